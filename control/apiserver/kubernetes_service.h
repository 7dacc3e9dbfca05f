// default/kubernetes: the Service through which Pods reach the API server
// (ClusterIP: the first address of the primary Service range, 10.96.0.1 by
// default; port https 443/TCP to the server's port) and its EndpointSlice
// with the server's address, made or corrected at every start, as
// kube-apiserver's endpoint reconciler does. It is written before the server
// takes requests, so no other Service can be given that address first; the
// Service allocator takes it as a requested address in its range.
#ifndef SLUICE_CONTROL_APISERVER_KUBERNETES_SERVICE_H_
#define SLUICE_CONTROL_APISERVER_KUBERNETES_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/controllers/allocators/service_allocator.h"

namespace sluice::apiserver {

// The first address of the default Service range (10.96.0.0/16).
inline constexpr char kKubernetesServiceIp[] = "10.96.0.1";

// The first address of `network`'s primary Service range.
absl::StatusOr<std::string> KubernetesServiceIp(const controllers::ServiceNetworkConfig& network);

absl::Status EnsureKubernetesService(ResourceHandler& resources, const ResourceRegistry& registry,
                                     const std::string& cluster_ip, const std::string& address,
                                     uint16_t port);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_KUBERNETES_SERVICE_H_
