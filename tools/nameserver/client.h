// `sluice-testserver client`: drives servers and reports as one JSON line.
#ifndef SLUICE_TOOLS_NAMESERVER_CLIENT_H_
#define SLUICE_TOOLS_NAMESERVER_CLIENT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice::testserver {

extern const char kClientUsage[];

// Runs one client mode (args start with the mode), printing its JSON report
// to `out`. Returns the exit code: 0 when everything asked for worked (every
// attempt answered, every byte and datagram came back), 1 otherwise; an error
// status for bad arguments.
absl::StatusOr<int> RunClient(const std::vector<std::string>& args, std::ostream& out);

}  // namespace sluice::testserver

#endif  // SLUICE_TOOLS_NAMESERVER_CLIENT_H_
