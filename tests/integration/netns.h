// A node topology in network namespaces for integration tests run as root:
// built by Topology::Create, removed by the destructor, always.
//
//   namespace       interface   IPv4              IPv6                peer
//   <p>-node        <p>-ext     192.168.100.1/24  fd00:100::1/64      <p>-client eth0
//                   <p>-pod     10.244.0.1/24     fd00:244::1/64      <p>-pod eth0
//                   <p>-be<i>   10.244.<i+1>.1/24 fd00:244:<i+1>::1/64 <p>-be<i> eth0
//   <p>-client      eth0        192.168.100.2/24  fd00:100::2/64      default via the node
//   <p>-pod         eth0        10.244.0.2/24     fd00:244::2/64      default via the node
//   <p>-be<i>       eth0        10.244.<i+1>.2/24 fd00:244:<i+1>::2/64 default via the node
//
// (i = 0..N-1; <i+1> is written in decimal in both families.) The client
// stands outside the cluster and reaches the node's external interface; the
// pod lives on the node; the backends stand for pods anywhere.
//
// One veth per leaf rather than a bridge: each backend and the pod sit behind
// their own node interface and subnet, as pods behind their own veths do under
// a kube-proxy replacement, so the BPF engine's redirects and tc programs get a
// distinct egress interface per backend, and nothing but the node routes.
//
// Every namespace is named "<prefix>-<role>" with a prefix unique to the
// instance ("sl" + pid + "-" + counter, base 36), which also tells whether
// the process that made it still runs. Veth pairs are created
// directly inside the namespaces: the host namespace never holds an end, its
// interfaces, routes and sysctls are never touched, and destroying a namespace
// destroys its veths. The leaves' default routes point at the node, which
// forwards (sysctls of its namespace only). Offloads are off on every veth so
// that packets rewritten by XDP carry full checksums; IPv6 DAD is off so that
// addresses work at once. With GRO off a veth has no NAPI, so XDP_REDIRECT
// into a node-side veth is dropped unless its leaf end has an XDP program
// (an XDP_PASS one will do): the engine's tests attach one there.
//
// Not thread-safe: one test thread drives a Topology.
#ifndef SLUICE_TESTS_INTEGRATION_NETNS_H_
#define SLUICE_TESTS_INTEGRATION_NETNS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/integration/process.h"

namespace sluice::netns {

// One address of each family, without prefix length ("10.244.1.2", "fd00:244:1::2").
struct AddrPair {
  std::string v4;
  std::string v6;
};

// A veth pair from the node to one leaf namespace.
struct Link {
  std::string ns;          // the leaf's namespace
  std::string node_iface;  // the node's end, in the node namespace
  std::string leaf_iface;  // the leaf's end, in `ns` ("eth0")
  AddrPair node;           // the node's addresses on this link
  AddrPair leaf;           // the leaf's addresses
  AddrPair subnet;         // "10.244.1.0/24", "fd00:244:1::/64"
};

struct TopologyOptions {
  int backends = 3;  // 1 to 16
};

class Topology {
 public:
  // Builds the whole topology, or removes whatever it made and fails.
  static absl::StatusOr<std::unique_ptr<Topology>> Create(const TopologyOptions& options = {});

  // Removes everything Create and Spawn made; errors go to stderr.
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // The destructor's work, for a test that wants to see its errors. Kills the
  // spawned processes (SIGTERM, then SIGKILL), then anything else left in the
  // namespaces, then deletes the namespaces. Idempotent.
  absl::Status Teardown();

  // Removes the namespaces named "<prefix>-*" (and the processes in them) that
  // a crashed run left. The prefix must be one Topology hands out, or the
  // "sl<pid>" part of one: it can never match anything but ours, and
  // "sl1x-1" does not match "sl1x-10-node".
  static absl::Status SweepLeftovers(absl::string_view prefix);
  // The namespaces that SweepLeftovers(prefix) would remove.
  static std::vector<std::string> Leftovers(absl::string_view prefix);
  // The prefixes under /run/netns whose creating process (the pid in the
  // name) no longer runs: what crashed or killed runs left. Assumes that one
  // pid namespace sees every user of /run/netns, as on a machine or a CI VM.
  static std::vector<std::string> StalePrefixes();
  // SweepLeftovers of every stale prefix. Create calls it, so a run cleans up
  // after the runs that died before it (a test killed at its time limit, say).
  static absl::Status SweepStale();

  const std::string& prefix() const { return prefix_; }
  const std::string& node_ns() const { return node_ns_; }
  const Link& external() const { return links_[0]; }  // the client's link
  const Link& pod() const { return links_[1]; }
  int num_backends() const { return static_cast<int>(links_.size()) - 2; }
  const Link& backend(int i) const { return links_[2 + i]; }
  const std::string& client_ns() const { return external().ns; }
  const std::string& pod_ns() const { return pod().ns; }
  const std::string& backend_ns(int i) const { return backend(i).ns; }
  // The node's external interface, the one XDP attaches to.
  const std::string& external_iface() const { return external().node_iface; }
  std::vector<std::string> backend_ifaces() const;  // node side, in backend order
  const std::vector<Link>& links() const { return links_; }
  // Every namespace of the topology, the node's first.
  std::vector<std::string> namespaces() const;

  // Runs argv inside one of this topology's namespaces (no other: tests never
  // run anything in the host namespace through it). See RunInNamespace.
  absl::StatusOr<CommandResult> RunIn(absl::string_view ns, const std::vector<std::string>& argv,
                                      const RunOptions& options = {}) const;
  // RunIn, with a non-zero exit made an error that quotes stderr. Returns stdout.
  absl::StatusOr<std::string> RunInOk(absl::string_view ns, const std::vector<std::string>& argv,
                                      const RunOptions& options = {}) const;

  // Starts a background process in one of the namespaces; Teardown kills it.
  absl::StatusOr<pid_t> Spawn(absl::string_view ns, const std::vector<std::string>& argv,
                              const SpawnOptions& options = {});
  // Sends `signal` to a process that Spawn started (kill -9 of an agent, say).
  absl::Status Signal(pid_t pid, int signal);
  // Waits (bounded) for a spawned process to exit and forgets it; returns its
  // raw wait status.
  absl::StatusOr<int> Wait(pid_t pid, Millis timeout);
  // SIGTERM, `grace`, SIGKILL to its group; returns the raw wait status.
  absl::StatusOr<int> Stop(pid_t pid, Millis grace = Millis(2000));

  // Work for Teardown, run after the spawned processes are stopped and before
  // the namespaces go, latest first: what lives outside the namespaces (pinned
  // BPF maps, say) is the test's to register here.
  void AtTeardown(std::function<absl::Status()> fn) { at_teardown_.push_back(std::move(fn)); }

 private:
  explicit Topology(std::string prefix);
  absl::Status Build(int backends);
  absl::Status AddNamespace(const std::string& name);
  absl::Status Configure();
  absl::Status WaitForCarrier(Millis timeout);
  bool Owns(absl::string_view ns) const;
  bool Spawned(pid_t pid) const;

  std::string prefix_;
  std::string node_ns_;
  std::vector<Link> links_;
  std::vector<std::string> made_;  // namespaces created so far, in order
  std::vector<pid_t> spawned_;
  std::vector<std::function<absl::Status()>> at_teardown_;
};

}  // namespace sluice::netns

#endif  // SLUICE_TESTS_INTEGRATION_NETNS_H_
