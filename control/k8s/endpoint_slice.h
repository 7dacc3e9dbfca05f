// A discovery.k8s.io/v1 EndpointSlice, reduced to the fields a service proxy
// acts on.
#ifndef SLUICE_CONTROL_K8S_ENDPOINT_SLICE_H_
#define SLUICE_CONTROL_K8S_ENDPOINT_SLICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/k8s/object_meta.h"
#include "dataplane/ip_address.h"
#include "dataplane/service_model.h"

namespace sluice::k8s {

// The label that ties a slice to its Service (discovery.k8s.io/v1).
inline constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";

enum class AddressType { kIPv4, kIPv6, kFQDN };

// Kept as written: an absent condition has a meaning (ready: absent means
// ready), which consumers apply, not the parser.
struct EndpointConditions {
  std::optional<bool> ready;
  std::optional<bool> serving;
  std::optional<bool> terminating;
};

struct Endpoint {
  std::vector<IpAddress> addresses;         // IPv4 and IPv6 slices
  std::vector<std::string> fqdn_addresses;  // FQDN slices
  EndpointConditions conditions;
  std::string node_name;                // empty when unset
  std::string zone;                     // empty when unset
  std::vector<std::string> hint_zones;  // hints.forZones[].name
};

struct EndpointPort {
  std::string name;  // empty for the unnamed port
  // Absent means "all ports" in the API; kube-proxy ignores such ports.
  std::optional<uint16_t> port;
  Protocol protocol = Protocol::kTCP;
};

struct EndpointSlice {
  ObjectMeta metadata;
  AddressType address_type = AddressType::kIPv4;
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
};

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_ENDPOINT_SLICE_H_
