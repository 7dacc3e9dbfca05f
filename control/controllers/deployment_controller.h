// Keeps one ReplicaSet per Deployment template: the ReplicaSet of the
// current template (named <deployment>-<pod-template-hash>, labelled and
// selecting `pod-template-hash`, owned by the Deployment as controller) at
// spec.replicas, and every older one at 0. A simple approximation of
// Kubernetes' rollouts: both changes are made at once, so neither maxSurge
// nor maxUnavailable is honoured (Recreate without the wait), and old
// ReplicaSets are kept at 0 (revisionHistoryLimit is not applied). Status:
// replicas, updatedReplicas, readyReplicas, availableReplicas,
// unavailableReplicas and observedGeneration, summed from the ReplicaSets'.
#ifndef SLUICE_CONTROL_CONTROLLERS_DEPLOYMENT_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_DEPLOYMENT_CONTROLLER_H_

#include <string>
#include <vector>

#include "control/apiserver/resource_handler.h"
#include "control/controllers/owner_controller.h"

namespace sluice::controllers {

// The pod-template-hash of a template: FNV-1a of its JSON, its decimal text
// spelled in Kubernetes' safe alphabet (no vowels, no look-alikes).
std::string PodTemplateHash(const nlohmann::json& pod_template);

class DeploymentController : public OwnerController {
 public:
  // `handler` and `registry` outlive the controller.
  DeploymentController(store::Store* store, apiserver::ResourceHandler* handler,
                       const apiserver::ResourceRegistry* registry);
  ~DeploymentController() override;

  absl::Status Sync(const std::string& ns, const std::string& name) override;

 private:
  absl::Status CreateReplicaSet(const nlohmann::json& deployment, const std::string& hash);
  absl::Status Scale(const nlohmann::json& rs, int64_t replicas);
  absl::Status WriteStatus(const apiserver::ResourcePath& path, nlohmann::json deployment,
                           const std::vector<nlohmann::json>& owned, const std::string& hash);

  apiserver::ResourceHandler* handler_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_DEPLOYMENT_CONTROLLER_H_
