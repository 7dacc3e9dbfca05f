// Runs the controllers inside `sluice server`, on the server's store: the
// EndpointSlice, Deployment and ReplicaSet controllers and the garbage
// collector always, the LoadBalancer IPAM controller when pools are
// configured. Started after the API server, stopped before it.
// With leader election (servers sharing an etcd) they run only while this
// server holds the kube-system/sluice-controller-manager Lease.
#ifndef SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_
#define SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/controllers/deployment_controller.h"
#include "control/controllers/endpoint_slice_controller.h"
#include "control/controllers/event_recorder.h"
#include "control/controllers/garbage_collector.h"
#include "control/controllers/lb_ipam_controller.h"
#include "control/controllers/leader_election.h"
#include "control/controllers/replica_set_controller.h"
#include "control/store/store.h"

namespace sluice::controllers {

struct ControllerManagerOptions {
  std::string lb_pools_file;  // empty: no LoadBalancer IPAM
  size_t max_endpoints_per_slice = kMaxEndpointsPerSlice;
  // Off: the controllers run at once and for good (one server, SQLite).
  bool leader_election = false;
  LeaderElectionConfig election;  // identity "": DefaultLeaderIdentity()
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
  // Makes and starts the controllers; stops and drops them.
  void StartControllers() ABSL_LOCKS_EXCLUDED(mu_);
  void StopControllers() ABSL_LOCKS_EXCLUDED(mu_);

  store::Store* store_ = nullptr;
  ControllerManagerOptions options_;
  std::optional<std::vector<LbPool>> pools_;  // with --lb-pools
  apiserver::ResourceRegistry registry_;
  std::unique_ptr<apiserver::ResourceHandler> handler_;
  std::unique_ptr<EventRecorder> lb_events_;
  std::unique_ptr<LeaderElector> elector_;
  absl::Mutex mu_;
  std::unique_ptr<EndpointSliceController> endpoint_slices_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<LbIpamController> lb_ipam_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<GarbageCollector> garbage_collector_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ReplicaSetController> replica_sets_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DeploymentController> deployments_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_CONTROLLER_MANAGER_H_
