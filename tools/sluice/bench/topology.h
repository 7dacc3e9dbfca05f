// The benchmark's node in network namespaces, the same for every contender:
//
//   namespace     interface  IPv4            peer
//   <p>-client    eth0       10.10.0.2/24    <p>-node ext
//   <p>-node      ext        10.10.0.1/24    (traffic enters here)
//                 int        10.20.0.1/24    <p>-sink eth0
//   <p>-sink      eth0       10.20.0.2/24    (counts and drops)
//
// New-flow frames come from 10.11.0.0/16 (clients behind the client's link;
// the node needs no route back for one-way UDP, rp_filter is off).
// <p> is "sbench" + pid + "-" + counter. The node forwards (its own sysctls)
// with rp_filter off, routes the endpoints' range (services.h) and the
// service range via the sink, whose neighbour entry is permanent so that no
// ARP races the first packets. The veths are made inside the namespaces, so
// the host's interfaces, routes and firewall are never touched. Everything
// goes in the destructor (or Teardown), on every path out.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_TOPOLOGY_H_
#define SLUICE_TOOLS_SLUICE_BENCH_TOPOLOGY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice::bench {

class Topology {
 public:
  static absl::StatusOr<std::unique_ptr<Topology>> Create();
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Deletes the namespaces made so far; idempotent.
  absl::Status Teardown();

  const std::string& prefix() const { return prefix_; }
  std::string client_ns() const { return prefix_ + "-client"; }
  std::string node_ns() const { return prefix_ + "-node"; }
  std::string sink_ns() const { return prefix_ + "-sink"; }

  int node_ext_ifindex() const { return node_ext_ifindex_; }
  int sink_ifindex() const { return sink_ifindex_; }  // in the sink namespace
  const std::array<uint8_t, 6>& node_ext_mac() const { return node_ext_mac_; }
  const std::array<uint8_t, 6>& client_mac() const { return client_mac_; }

  static constexpr const char* kNamePrefix = "sbench";
  // Namespaces under /run/netns starting with kNamePrefix + pid.
  static std::vector<std::string> NamespacesOf(int pid);

 private:
  explicit Topology(std::string prefix) : prefix_(std::move(prefix)) {}
  absl::Status Build();

  std::string prefix_;
  std::vector<std::string> made_;
  int node_ext_ifindex_ = 0;
  int sink_ifindex_ = 0;
  std::array<uint8_t, 6> node_ext_mac_{};
  std::array<uint8_t, 6> client_mac_{};
};

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_TOPOLOGY_H_
