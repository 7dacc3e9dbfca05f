// `sluice up`: a working cluster on this machine (API server, controllers and
// a node per network namespace with its agent) until SIGINT or SIGTERM;
// `sluice down`: removes what a crashed `up` left.
#ifndef SLUICE_TOOLS_SLUICE_UP_COMMAND_H_
#define SLUICE_TOOLS_SLUICE_UP_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

extern const char kUpUsage[];
extern const char kDownUsage[];

absl::Status RunUpCommand(const std::vector<std::string>& args);
absl::Status RunDownCommand(const std::vector<std::string>& args);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_UP_COMMAND_H_
