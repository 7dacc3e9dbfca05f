// Running things inside the network namespaces `sluice bench` made: a
// program to completion (iptables-restore, nft, ip), or a function on the
// calling thread with the namespace entered for its duration.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_COMMAND_H_
#define SLUICE_TOOLS_SLUICE_BENCH_COMMAND_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice::bench {

// "/run/netns/NAME".
std::string NetnsPath(const std::string& ns);

// Runs argv (looked up in PATH) with `input` on stdin, inside namespace `ns`
// (empty: ours, only for `ip netns add/del`). A non-zero exit is an error
// quoting the program's output. Returns stdout.
absl::StatusOr<std::string> Run(const std::string& ns, const std::vector<std::string>& argv,
                                const std::string& input = "");

// Calls fn with the calling thread in namespace `ns`, then moves it back.
absl::Status InNetns(const std::string& ns, const std::function<absl::Status()>& fn);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_COMMAND_H_
