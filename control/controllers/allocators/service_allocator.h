// What the API server allocates for a Service, as kube-apiserver's Service
// REST storage does: ClusterIPs per ipFamilies/ipFamilyPolicy from one
// Service CIDR per family, NodePorts for NodePort and LoadBalancer Services,
// and the healthCheckNodePort of a LoadBalancer with externalTrafficPolicy
// Local. Requested values are checked, with Kubernetes' messages.
//
// The allocator keeps no state: what is in use is the caller's, a server's
// record of what every stored Service holds (allocation_table.h), which also
// reserves the values picked until the write that records them is done.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_ALLOCATOR_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_ALLOCATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/controllers/allocators/ip_range.h"
#include "control/controllers/allocators/range_allocator.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

struct ServiceNetworkConfig {
  // One CIDR per family; the first one's family is the cluster's primary.
  // kube-apiserver's --service-cluster-ip-range.
  std::vector<std::string> cluster_ip_ranges = {"10.96.0.0/16", "fd00:10:96::/112"};
  // --service-node-port-range.
  int node_port_min = 30000;
  int node_port_max = 32767;
};

// One field error, as a metav1.StatusCause: reason "FieldValueInvalid",
// "FieldValueForbidden", ...; message as Kubernetes prints it after the path
// ("Invalid value: 30080: provided port is already allocated").
struct FieldError {
  std::string reason;
  std::string field;
  std::string message;
};

// What other Services hold, read only: one allocator per Service CIDR, in
// ServiceAllocator::cluster_ip_ranges() order, and one over the node port
// range (offsets from its first port).
struct InUse {
  std::vector<const RangeAllocator*> cluster_ips;
  const RangeAllocator* node_ports = nullptr;
};

class ServiceAllocator {
 public:
  static absl::StatusOr<ServiceAllocator> Create(const ServiceNetworkConfig& config);

  // Fills spec.ipFamilies, ipFamilyPolicy, clusterIP(s), ports[].nodePort and
  // healthCheckNodePort of `service` (defaulted and validated) from what
  // `in_use` leaves free. `stored` is this
  // Service's stored version on update: what it holds already is kept
  // unchecked, as Kubernetes does, so that a narrower range configured later
  // does not make the Service impossible to update. Errors leave `service`
  // half-filled: the caller must not store it.
  // `start` offsets the dynamic picks (RangeAllocator::AllocateNext).
  std::vector<FieldError> Allocate(nlohmann::json& service, const InUse& in_use,
                                   const nlohmann::json& stored = nullptr,
                                   uint64_t start = 0) const;

  const std::vector<IpRange>& cluster_ip_ranges() const { return ranges_; }
  int node_port_min() const { return node_port_min_; }
  int node_port_max() const { return node_port_max_; }

 private:
  std::vector<FieldError> AllocateClusterIps(nlohmann::json& spec, const InUse& in_use,
                                             const nlohmann::json& held, uint64_t start) const;
  std::vector<FieldError> AllocateNodePorts(nlohmann::json& spec, const InUse& in_use,
                                            const nlohmann::json& held, uint64_t start) const;

  std::vector<IpRange> ranges_;  // primary family first
  int node_port_min_ = 0;
  int node_port_max_ = 0;
};

// On update, before defaulting and validation, as Kubernetes' Service
// storage: values the client left out but the server allocated are kept
// (when the new type still uses them), and values the new type no longer
// uses are dropped if the client left them unchanged (NodePort -> ClusterIP
// releases the node ports, -> ExternalName the ClusterIPs).
void CarryOverAllocations(nlohmann::json& service, const nlohmann::json& old);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_ALLOCATOR_H_
