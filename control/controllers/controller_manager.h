// Runs the controllers inside `sluice server`, on the server's store: the
// EndpointSlice, Deployment and ReplicaSet controllers and the garbage
// collector always, the
// LoadBalancer IPAM controller when
// pools are configured. Started after the API server, stopped before it.
#ifndef SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_
#define SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/controllers/deployment_controller.h"
#include "control/controllers/endpoint_slice_controller.h"
#include "control/controllers/event_recorder.h"
#include "control/controllers/garbage_collector.h"
#include "control/controllers/lb_ipam_controller.h"
#include "control/controllers/replica_set_controller.h"
#include "control/store/store.h"

namespace sluice::controllers {

struct ControllerManagerOptions {
  std::string lb_pools_file;  // empty: no LoadBalancer IPAM
  size_t max_endpoints_per_slice = kMaxEndpointsPerSlice;
};

class ControllerManager {
 public:
  // Reads the configuration (a bad pools file fails here, before anything
  // runs) and starts the controllers. `store` outlives the manager.
  static absl::StatusOr<std::unique_ptr<ControllerManager>> Start(
      store::Store* store, const ControllerManagerOptions& options);
  ~ControllerManager();
  void Stop();

 private:
  ControllerManager() = default;

  apiserver::ResourceRegistry registry_;
  std::unique_ptr<apiserver::ResourceHandler> handler_;
  std::unique_ptr<EventRecorder> lb_events_;
  std::unique_ptr<EndpointSliceController> endpoint_slices_;
  std::unique_ptr<LbIpamController> lb_ipam_;
  std::unique_ptr<GarbageCollector> garbage_collector_;
  std::unique_ptr<ReplicaSetController> replica_sets_;
  std::unique_ptr<DeploymentController> deployments_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_
