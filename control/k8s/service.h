// A core/v1 Service, reduced to the fields a service proxy acts on and
// validated so that the agent's model can trust them.
#ifndef SLUICE_CONTROL_K8S_SERVICE_H_
#define SLUICE_CONTROL_K8S_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "control/k8s/object_meta.h"
#include "dataplane/ip_address.h"
#include "dataplane/service_model.h"

namespace sluice::k8s {

enum class ServiceType { kClusterIP, kNodePort, kLoadBalancer, kExternalName };

enum class SessionAffinity { kNone, kClientIP };

// spec.ports[i]. Named ServicePortSpec so that it cannot be mistaken for the
// dataplane's sluice::ServicePort, which the agent builds from it.
struct ServicePortSpec {
  std::string name;
  Protocol protocol = Protocol::kTCP;
  uint16_t port = 0;
  // A port number, or the name of a container port. Only the EndpointSlice
  // controller resolves names; the proxy reads the resolved port from the slice.
  std::variant<uint16_t, std::string> target_port;
  std::optional<uint16_t> node_port;
};

// An address with a prefix length, as in spec.loadBalancerSourceRanges.
struct IpPrefix {
  IpAddress address;
  uint8_t length = 0;
};

// status.loadBalancer.ingress[i]. Cloud load balancers may report a hostname
// instead of an address; those entries have no ip.
struct LoadBalancerIngress {
  std::optional<IpAddress> ip;
  std::string hostname;
  // ipMode "Proxy": the load balancer proxies to the node, so kube-proxy must
  // not capture traffic to the IP itself (KEP-1860).
  bool proxy_mode = false;
};

struct Service {
  ObjectMeta metadata;
  ServiceType type = ServiceType::kClusterIP;
  bool headless = false;  // spec.clusterIP "None"
  // spec.clusterIPs (whose first entry is spec.clusterIP); empty when the
  // service has no cluster IP yet or is headless.
  std::vector<IpAddress> cluster_ips;
  std::vector<IpFamily> ip_families;
  std::vector<ServicePortSpec> ports;
  std::vector<IpAddress> external_ips;
  SessionAffinity session_affinity = SessionAffinity::kNone;
  uint32_t affinity_timeout_s = kDefaultAffinityTimeoutSeconds;
  TrafficPolicy external_traffic_policy = TrafficPolicy::kCluster;
  TrafficPolicy internal_traffic_policy = TrafficPolicy::kCluster;
  std::vector<IpPrefix> load_balancer_source_ranges;
  std::optional<uint16_t> health_check_node_port;
  std::string traffic_distribution;  // e.g. "PreferClose"; empty when unset
  std::string external_name;
  std::vector<LoadBalancerIngress> load_balancer_ingress;
};

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_SERVICE_H_
