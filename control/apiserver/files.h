// Small file helpers for the server's data directory: secrets (keys, tokens,
// kubeconfigs) are written whole under a temporary name and renamed, mode 0600
// from the start, so that a reader never sees half a file nor a readable key.
#ifndef SLUICE_CONTROL_APISERVER_FILES_H_
#define SLUICE_CONTROL_APISERVER_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice::apiserver {

// NotFound when the file does not exist.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);
absl::Status WritePrivateFile(const std::string& path, const std::string& data);
// mkdir with mode 0700; an existing directory is fine.
absl::Status MakePrivateDirectory(const std::string& path);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_FILES_H_
