// What EndpointSlices a Service should have, from its selector and the Pods
// it selects (Kubernetes' endpointslice controller, pkg/controller/endpointslice):
// one group per address family and per set of resolved ports (named
// targetPorts can resolve differently per Pod), each cut into slices of at
// most `max_per_slice` endpoints. Pure functions: the controller does the I/O.
#ifndef SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICES_H_
#define SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICES_H_

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice::controllers {

inline constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";
inline constexpr char kManagedByLabel[] = "endpointslice.kubernetes.io/managed-by";
inline constexpr char kManagedBy[] = "endpointslice-controller.sluice.dev";
// Kubernetes' --max-endpoints-per-slice default.
inline constexpr size_t kMaxEndpointsPerSlice = 100;

struct DesiredSlice {
  std::string address_type;  // "IPv4", "IPv6"
  nlohmann::json ports;      // discovery/v1 EndpointPorts, in the Service's port order
  nlohmann::json endpoints;  // discovery/v1 Endpoints, ordered by Pod name
};

// A Service the controller keeps slices for: one with a selector that is not
// an ExternalName.
bool ManagesSlices(const nlohmann::json& service);
// Every key=value of a Service's selector is among `labels`.
bool SelectorMatches(const nlohmann::json& selector, const nlohmann::json& labels);

// `pods`: the Pods of the Service's namespace (any; the selector is applied
// here). `node_zones`: node name -> topology.kubernetes.io/zone.
std::vector<DesiredSlice> DesiredSlices(const nlohmann::json& service,
                                        const std::vector<nlohmann::json>& pods,
                                        const std::map<std::string, std::string>& node_zones,
                                        size_t max_per_slice = kMaxEndpointsPerSlice);

// The EndpointSlice object for `slice` of `service`, without a name (the
// controller sets generateName "<service>-" for new ones).
nlohmann::json SliceObject(const nlohmann::json& service, const DesiredSlice& slice);

// The slice's content that the controller owns (labels, owner, address type,
// ports, endpoints), for comparing a stored slice with a desired one.
nlohmann::json ManagedContent(const nlohmann::json& slice);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICES_H_
