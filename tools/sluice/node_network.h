// The machine-side pieces of a `sluice up` cluster: per node a network
// namespace joined to the host by a veth pair, a bridge for its pods and a
// cgroup. Everything is named after the cluster, so that `up` and `down` find
// exactly what a run of that name made, and nothing else:
//
//   network namespace  sluice-<name>-node<i>
//   veth pair          sl-<name>-<i> (host)  <->  eth0 (node)
//                      the i-th /30 of the node network: .1 host, .2 node
//   bridge             cbr0 in the node, the gateway (.1) of its pod subnet,
//                      the i-th /24 of the pod network
//   cgroup             <cgroup2 mount>/sluice-<name>-node<i>
//   pinned BPF state   <pin root>/<name>-node<i> (made by the node's agent)
//
// The host gets the veth's address and with it a connected route to the node,
// and nothing else: no other route, no sysctl. The node forwards (its own
// sysctl) and routes everything else to the host, except the other nodes'
// pods: nodes have no routes to each other's pod subnets yet, and a packet
// for one is answered "unreachable" rather than handed to the host (whose
// default route would carry it off the machine).
#ifndef SLUICE_TOOLS_SLUICE_NODE_NETWORK_H_
#define SLUICE_TOOLS_SLUICE_NODE_NETWORK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

struct ClusterLayout {
  std::string name;                            // see ValidateClusterName
  int nodes = 1;                               // 1 to kMaxNodes
  std::string node_network = "198.18.0.0/24";  // IPv4, a /30 per node
  std::string pod_network = "10.244.0.0/16";   // IPv4, a /24 per node
  std::string pin_root = "/sys/fs/bpf/sluice";
  std::string cgroup_root;  // "": the cgroup v2 mount (Cgroup2Mount)
};

inline constexpr int kMaxNodes = 16;
// The pods' bridge in each node.
inline constexpr char kPodBridge[] = "cbr0";
// The node's end of its veth.
inline constexpr char kNodeIface[] = "eth0";

struct NodeLayout {
  std::string node_name;  // "<name>-node<i>": the Node object, the pin directory
  std::string netns;
  std::string host_iface;
  std::string host_address;  // "198.18.0.1": the API server listens on node 0's
  std::string node_address;  // "198.18.0.2": the node's InternalIP
  std::string pod_cidr;      // "10.244.0.0/24"
  std::string pod_gateway;   // "10.244.0.1", on the bridge
  std::string pod_network;   // every node's pods: "10.244.0.0/16"
  std::string cgroup;        // absolute path
  std::string pin_dir;
};

// Lower-case letters, digits and '-', starting with a letter, at most 9
// characters: the host's veth name (at most 15) is made from it.
absl::Status ValidateClusterName(const std::string& name);

// Where each node goes; fails on a network too small for the nodes.
absl::StatusOr<std::vector<NodeLayout>> PlanNodes(const ClusterLayout& layout);

// The mount point of the cgroup v2 hierarchy, from /proc/mounts
// (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid system).
absl::StatusOr<std::string> Cgroup2Mount();

// Fails, naming the route, when a host route other than the default one
// already covers a node's addresses: `up` never shadows the host's networks.
absl::Status CheckNodeNetworkFree(const NodeLayout& node);

// Makes the node's namespace, veth, bridge and cgroup. On failure, what it
// made stays for RemoveCluster.
absl::Status CreateNode(const NodeLayout& node);

// What a cluster of `layout.name` left on this machine (namespaces, host
// veths, cgroups, pin directories), found by name, whatever its node count.
std::vector<std::string> ClusterLeftovers(const ClusterLayout& layout);

// Removes it all: kills the processes in the nodes' namespaces and cgroups,
// removes the pinned BPF state (programs detach), the cgroups, the
// namespaces (their veths and bridges go with them) and any host veth left.
// Returns the first error, after trying everything.
absl::Status RemoveCluster(const ClusterLayout& layout);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_NODE_NETWORK_H_
