// `sluice-testserver serve`: answers TCP and UDP with its name (protocol.h).
#ifndef SLUICE_TOOLS_NAMESERVER_SERVER_H_
#define SLUICE_TOOLS_NAMESERVER_SERVER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice::testserver {

extern const char kServeUsage[];

// Listens on [::]:PORT (dual-stack) for TCP and UDP on every --port and
// serves until killed. Returns only on a set-up error.
absl::Status RunServe(const std::vector<std::string>& args);

}  // namespace sluice::testserver

#endif  // SLUICE_TOOLS_NAMESERVER_SERVER_H_
