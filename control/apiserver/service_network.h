// The Service CIDRs and node port range the Service type allocates from
// (kube-apiserver's --service-cluster-ip-range and --service-node-port-range).
#ifndef SLUICE_CONTROL_APISERVER_SERVICE_NETWORK_H_
#define SLUICE_CONTROL_APISERVER_SERVICE_NETWORK_H_

#include "absl/status/status.h"
#include "control/apiserver/resource_type.h"
#include "control/controllers/allocators/service_allocator.h"

namespace sluice::apiserver {

// Makes the registry's Services allocate from `config` instead of the
// defaults (ServiceNetworkConfig's); fails for a bad configuration.
absl::Status UseServiceNetwork(ResourceRegistry& registry,
                               const controllers::ServiceNetworkConfig& config);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_SERVICE_NETWORK_H_
