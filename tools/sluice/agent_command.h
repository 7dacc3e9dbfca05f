// `sluice agent` and `sluice cleanup`.
#ifndef SLUICE_TOOLS_SLUICE_AGENT_COMMAND_H_
#define SLUICE_TOOLS_SLUICE_AGENT_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

extern const char kAgentUsage[];
extern const char kCleanupUsage[];

// Runs until SIGTERM or SIGINT, which leave the datapath in place.
absl::Status RunAgentCommand(const std::vector<std::string>& args);
// Removes what `sluice agent` pinned for a node (programs detach).
absl::Status RunCleanupCommand(const std::vector<std::string>& args);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_AGENT_COMMAND_H_
