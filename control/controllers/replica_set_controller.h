// Keeps as many Pods as a ReplicaSet's spec.replicas asks for: Pods made from
// spec.template (named <replicaset>-<5 random characters>, owned by the
// ReplicaSet with controller and blockOwnerDeletion, so the garbage collector
// takes them with it), surplus ones deleted (unscheduled, then pending, then
// not ready, then the newest first, as Kubernetes ranks them), and
// status.replicas, readyReplicas, availableReplicas, fullyLabeledReplicas and
// observedGeneration written through the status subresource. Pods that have
// ended (Succeeded, Failed) or are being deleted do not count. Orphaned Pods
// that match the selector are not adopted (Kubernetes would adopt them).
#ifndef SLUICE_CONTROL_CONTROLLERS_REPLICA_SET_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_REPLICA_SET_CONTROLLER_H_

#include <string>
#include <vector>

#include "control/apiserver/resource_handler.h"
#include "control/controllers/owner_controller.h"

namespace sluice::controllers {

class ReplicaSetController : public OwnerController {
 public:
  // `handler` and `registry` outlive the controller.
  ReplicaSetController(store::Store* store, apiserver::ResourceHandler* handler,
                       const apiserver::ResourceRegistry* registry);
  ~ReplicaSetController() override;

  absl::Status Sync(const std::string& ns, const std::string& name) override;

 private:
  absl::Status WriteStatus(const apiserver::ResourcePath& path, nlohmann::json rs,
                           const std::vector<nlohmann::json>& pods);

  apiserver::ResourceHandler* handler_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_REPLICA_SET_CONTROLLER_H_
