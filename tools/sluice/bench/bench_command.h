// `sluice bench`: packet rates of Sluice next to kube-proxy's iptables and
// nftables rules, a plain forward (floor) and a no-op XDP program (ceiling),
// in namespaces it makes and always removes. See README.md, "Benchmarks".
#ifndef SLUICE_TOOLS_SLUICE_BENCH_BENCH_COMMAND_H_
#define SLUICE_TOOLS_SLUICE_BENCH_BENCH_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

extern const char kBenchUsage[];

// Runs the benchmark; the table goes to stdout, progress to stderr.
absl::Status RunBenchCommand(const std::vector<std::string>& args);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_BENCH_BENCH_COMMAND_H_
