// `sluice replay`: every packet of a capture through the packet core
// (reference engine) programmed from Kubernetes objects.
#ifndef SLUICE_TOOLS_SLUICE_REPLAY_H_
#define SLUICE_TOOLS_SLUICE_REPLAY_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

extern const char kReplayUsage[];

// Runs the subcommand with its arguments (after "replay"); prints the
// summary to `out`. Errors name the file and what is wrong.
absl::Status RunReplayCommand(const std::vector<std::string>& args, std::ostream& out);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_REPLAY_H_
