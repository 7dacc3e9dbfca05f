#include "control/controllers/controller_manager.h"

#include <iostream>

#include "control/apiserver/resources.h"

namespace sluice::controllers {

absl::StatusOr<std::unique_ptr<ControllerManager>> ControllerManager::Start(
    store::Store* store, const ControllerManagerOptions& options) {
  std::unique_ptr<ControllerManager> manager(new ControllerManager());
  manager->store_ = store;
  manager->options_ = options;
  manager->registry_ = apiserver::DefaultRegistry();
  // Its own handler: slices and events need no allocation lock, and the
  // controllers' writes go through the same validation as any client's.
  manager->handler_ = std::make_unique<apiserver::ResourceHandler>(store, &manager->registry_);
  if (!options.lb_pools_file.empty()) {
    auto pools = LoadLbPools(options.lb_pools_file);
    if (!pools.ok()) return pools.status();
    manager->pools_ = *std::move(pools);
    manager->lb_events_ = std::make_unique<EventRecorder>(
        "lb-ipam-controller", manager->handler_.get(), &manager->registry_);
  }
  if (!options.leader_election) {
    manager->StartControllers();
    return manager;
  }
  LeaderElectionConfig election = options.election;
  if (election.identity.empty()) election.identity = DefaultLeaderIdentity();
  ControllerManager* m = manager.get();
  manager->elector_ = std::make_unique<LeaderElector>(
      manager->handler_.get(), &manager->registry_, std::move(election),
      [m] { m->StartControllers(); }, [m] { m->StopControllers(); });
  manager->elector_->Start();
  return manager;
}

ControllerManager::~ControllerManager() {
  Stop();
}

void ControllerManager::StartControllers() {
  absl::MutexLock lock(&mu_);
  if (pools_) {
    EventRecorder* events = lb_events_.get();
    lb_ipam_ = std::make_unique<LbIpamController>(
        store_, *pools_, [events](const nlohmann::json& service, const std::string& why) {
          if (auto s = events->Warn(service, "AllocationFailed", why); !s.ok())
            std::cerr << "lb-ipam-controller: recording an event: " << s << std::endl;
        });
  }
  endpoint_slices_ = std::make_unique<EndpointSliceController>(store_, handler_.get(), &registry_,
                                                               options_.max_endpoints_per_slice);
  garbage_collector_ = std::make_unique<GarbageCollector>(store_, handler_.get(), &registry_);
  replica_sets_ = std::make_unique<ReplicaSetController>(store_, handler_.get(), &registry_);
  deployments_ = std::make_unique<DeploymentController>(store_, handler_.get(), &registry_);
  endpoint_slices_->Start();
  if (lb_ipam_) lb_ipam_->Start();
  garbage_collector_->Start();
  replica_sets_->Start();
  deployments_->Start();
}

void ControllerManager::StopControllers() {
  absl::MutexLock lock(&mu_);
  if (deployments_) deployments_->Stop();
  if (replica_sets_) replica_sets_->Stop();
  if (garbage_collector_) garbage_collector_->Stop();
  if (lb_ipam_) lb_ipam_->Stop();
  if (endpoint_slices_) endpoint_slices_->Stop();
  deployments_.reset();
  replica_sets_.reset();
  garbage_collector_.reset();
  lb_ipam_.reset();
  endpoint_slices_.reset();
}

void ControllerManager::Stop() {
  // The elector stops the controllers it started, then gives the Lease up.
  if (elector_) elector_->Stop();
  StopControllers();
}

}  // namespace sluice::controllers
