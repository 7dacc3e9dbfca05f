// The desired state of the dataplane, independent of Kubernetes: what the
// agent's model produces from Services and EndpointSlices, and what the
// service table turns into map entries.
#ifndef SLUICE_DATAPLANE_SERVICE_MODEL_H_
#define SLUICE_DATAPLANE_SERVICE_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/ip_address.h"

namespace sluice {

enum class Protocol : uint8_t { kTCP = 6, kUDP = 17, kSCTP = 132 };

enum class FrontendKind : uint8_t {
  kClusterIP = LB_FE_CLUSTER_IP,
  kNodePort = LB_FE_NODE_PORT,
  kLoadBalancer = LB_FE_LOAD_BALANCER,
  kExternalIP = LB_FE_EXTERNAL_IP,
};

enum class Algorithm : uint8_t {
  kMaglev = LB_ALG_MAGLEV,
  kRoundRobin = LB_ALG_ROUND_ROBIN,
  kRandom = LB_ALG_RANDOM,
};

enum class TrafficPolicy : uint8_t { kCluster, kLocal };

// Where a service port listens. A NodePort frontend without an address listens
// on every node address of its family.
struct Frontend {
  FrontendKind kind = FrontendKind::kClusterIP;
  std::optional<IpAddress> address;
  IpFamily family = IpFamily::kV4;  // needed when address is empty
  uint16_t port = 0;
  Protocol protocol = Protocol::kTCP;

  friend bool operator==(const Frontend&, const Frontend&) = default;
};

// One endpoint of a service port, with its EndpointSlice conditions.
struct Backend {
  IpAddress address;
  uint16_t port = 0;
  bool ready = true;
  bool serving = true;
  bool terminating = false;
  bool node_local = false;  // nodeName is this node
  std::string zone;
  uint32_t weight = 1;

  friend bool operator==(const Backend&, const Backend&) = default;
};

inline constexpr uint32_t kDefaultMaglevTableSize = 16381;
inline constexpr uint32_t kDefaultAffinityTimeoutSeconds = 10800;  // Kubernetes' default

// One port of one Kubernetes Service (frontends may be of both families;
// backends likewise, the service table splits them by family).
struct ServicePort {
  std::string name;  // "namespace/service:port-name" (port-name may be empty)
  std::vector<Frontend> frontends;
  Algorithm algorithm = Algorithm::kMaglev;
  uint32_t maglev_table_size = kDefaultMaglevTableSize;
  bool session_affinity = false;
  uint32_t affinity_timeout_s = kDefaultAffinityTimeoutSeconds;
  TrafficPolicy external_policy = TrafficPolicy::kCluster;
  TrafficPolicy internal_policy = TrafficPolicy::kCluster;
  std::vector<Backend> backends;

  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_SERVICE_MODEL_H_
