// `sluice server`: the bundled Kubernetes API server on the SQLite store.
#ifndef SLUICE_TOOLS_SLUICE_SERVER_COMMAND_H_
#define SLUICE_TOOLS_SLUICE_SERVER_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

extern const char kServerUsage[];

// Serves until SIGTERM or SIGINT.
absl::Status RunServerCommand(const std::vector<std::string>& args);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_SERVER_COMMAND_H_
