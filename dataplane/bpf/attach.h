// Attaching the XDP programs to a node's interfaces with bpf_links that are
// pinned next to the maps (<pin_dir>/links/xdp_<ifname>): the attachment
// outlives the agent (SIGTERM or kill -9 leaves the datapath working), and a
// restarted agent swaps its freshly loaded program into the same link, so
// there is never a moment without a program.
#ifndef SLUICE_DATAPLANE_BPF_ATTACH_H_
#define SLUICE_DATAPLANE_BPF_ATTACH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/ip_address.h"

namespace sluice {

// Attaches (or updates) the program for `hook` on interface `ifname`.
absl::Status AttachXdp(const BpfEngine& engine, lb_hook hook, const std::string& ifname,
                       const std::string& pin_dir);

// Attaches (or updates) a tc program on interface `ifname` with a tcx link
// (<pin_dir>/links/tcx_ingress_<ifname> or tcx_egress_<ifname>).
absl::Status AttachTc(const BpfEngine& engine, BpfEngine::TcProgram program,
                      const std::string& ifname, const std::string& pin_dir);

// Where a node's programs go. External devices get XDP (or tc ingress, for
// drivers without XDP) and, unless disabled, tc egress for the node's own
// traffic; pods' veths get tc ingress (or XDP).
struct NodeAttachment {
  std::vector<std::string> devices;
  std::vector<std::string> local_devices;
  bool external_tc = false;
  bool local_tc = true;
  bool egress = true;
};

// Attaches (or updates) every program of `plan`, and removes the pinned links
// of the other kind at the same places (a restart that switched XDP to tc).
absl::Status AttachNode(const BpfEngine& engine, const NodeAttachment& plan,
                        const std::string& pin_dir);

// Attaches (or updates) the socket programs on the cgroup v2 directory
// `cgroup_path` (links pinned as <pin_dir>/links/cgroup_<program>).
absl::Status AttachCgroup(const BpfEngine& engine, const std::string& cgroup_path,
                          const std::string& pin_dir);

// Removes everything pinned under `pin_dir` (links, so programs detach; maps)
// and the directory. Touches nothing else.
absl::Status RemovePinned(const std::string& pin_dir);

// Names of the interfaces of this network namespace that have an address,
// except loopback.
absl::StatusOr<std::vector<std::string>> InterfacesWithAddresses();

// The global addresses (not link-local) of these interfaces.
absl::StatusOr<std::vector<IpAddress>> AddressesOf(const std::vector<std::string>& ifnames);

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_BPF_ATTACH_H_
