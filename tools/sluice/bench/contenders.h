// The contenders of `sluice bench`, each set up in a fresh topology with the
// same Services:
//   sluice    Sluice's BPF engine programmed from Service objects
//             (ServiceTable), its XDP core with redirect: run by the live
//             generator, or attached to the node's external interface;
//   iptables  kube-proxy's iptables-mode rules, via iptables-restore;
//   nftables  kube-proxy's nftables-mode table, via nft -f;
//   floor     plain IPv4 forwarding with no rules;
//   noop      a no-op XDP program counting and dropping what the generator
//             makes (the ceiling): the live generator's own, or one on the
//             node's external interface.
// Under live frames the kernel-path contenders share the generator of
// bpf/lb_live.c (XDP_PASS into the node's stack); under the packet generator
// nothing sits in front of their stack. They have their conntrack table
// emptied before each new-flow run so that every run starts alike (Sluice
// its own).
#ifndef SLUICE_TOOLS_SLUICE_BENCH_CONTENDERS_H_
#define SLUICE_TOOLS_SLUICE_BENCH_CONTENDERS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/sluice/bench/services.h"
#include "tools/sluice/bench/topology.h"
#include "tools/sluice/bench/traffic.h"

namespace sluice::bench {

inline const std::vector<std::string>& ContenderNames() {
  static const std::vector<std::string> kNames = {"sluice", "iptables", "nftables", "floor",
                                                  "noop"};
  return kNames;
}

class Contender {
 public:
  virtual ~Contender() = default;
  // Programs the services; returns the seconds it took (0 without rules).
  virtual absl::StatusOr<double> Load(const std::vector<BenchService>& services) = 0;
  // Applies one endpoint change; returns the seconds it took, or -1 where
  // there is nothing to change.
  virtual absl::StatusOr<double> ChangeEndpoint(const BenchService& before,
                                                const BenchService& after) = 0;
  // Readies the contender for `kind` of traffic, once, after Load: live
  // frames run Generator()'s program; the packet generator's frames meet
  // whatever this attaches to the node's external interface.
  virtual absl::Status Prepare(GeneratorKind kind) {
    (void)kind;
    return absl::OkStatus();
  }
  // The live-frames program (GeneratorKind::kLive).
  virtual GeneratorControl Generator() const = 0;
  virtual uint64_t Delivered() const = 0;
  // Empties the flow table (conntrack): before each pattern and each
  // new-flow run, so that every run starts alike.
  virtual absl::Status ForgetFlows() { return absl::OkStatus(); }
};

// `name` is one of ContenderNames(); `topology` and `live` must outlive it.
absl::StatusOr<std::unique_ptr<Contender>> MakeContender(const std::string& name,
                                                         const Topology& topology,
                                                         const LivePrograms& live);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_CONTENDERS_H_
