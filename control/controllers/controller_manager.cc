#include "control/controllers/controller_manager.h"

#include <iostream>

#include "control/apiserver/resources.h"

namespace sluice::controllers {

absl::StatusOr<std::unique_ptr<ControllerManager>> ControllerManager::Start(
    store::Store* store, const ControllerManagerOptions& options) {
  std::unique_ptr<ControllerManager> manager(new ControllerManager());
  manager->registry_ = apiserver::DefaultRegistry();
  // Its own handler: slices and events need no allocation lock, and the
  // controllers' writes go through the same validation as any client's.
  manager->handler_ = std::make_unique<apiserver::ResourceHandler>(store, &manager->registry_);
  if (!options.lb_pools_file.empty()) {
    auto pools = LoadLbPools(options.lb_pools_file);
    if (!pools.ok()) return pools.status();
    manager->lb_events_ = std::make_unique<EventRecorder>(
        "lb-ipam-controller", manager->handler_.get(), &manager->registry_);
    EventRecorder* events = manager->lb_events_.get();
    manager->lb_ipam_ = std::make_unique<LbIpamController>(
        store, *std::move(pools), [events](const nlohmann::json& service, const std::string& why) {
          if (auto s = events->Warn(service, "AllocationFailed", why); !s.ok())
            std::cerr << "lb-ipam-controller: recording an event: " << s << std::endl;
        });
  }
  manager->endpoint_slices_ = std::make_unique<EndpointSliceController>(
      store, manager->handler_.get(), &manager->registry_, options.max_endpoints_per_slice);
  manager->garbage_collector_ =
      std::make_unique<GarbageCollector>(store, manager->handler_.get(), &manager->registry_);
  manager->replica_sets_ =
      std::make_unique<ReplicaSetController>(store, manager->handler_.get(), &manager->registry_);
  manager->deployments_ =
      std::make_unique<DeploymentController>(store, manager->handler_.get(), &manager->registry_);
  manager->endpoint_slices_->Start();
  if (manager->lb_ipam_) manager->lb_ipam_->Start();
  manager->garbage_collector_->Start();
  manager->replica_sets_->Start();
  manager->deployments_->Start();
  return manager;
}

ControllerManager::~ControllerManager() {
  Stop();
}

void ControllerManager::Stop() {
  if (deployments_) deployments_->Stop();
  if (replica_sets_) replica_sets_->Stop();
  if (garbage_collector_) garbage_collector_->Stop();
  if (lb_ipam_) lb_ipam_->Stop();
  if (endpoint_slices_) endpoint_slices_->Stop();
}

}  // namespace sluice::controllers
