// The loop of a controller that keeps objects of one kind (the owners:
// ReplicaSets, Deployments) in step with the objects they control (Pods,
// ReplicaSets): an owner is synced when it changes, when an object whose
// controller reference names it changes, and all of them after a resync.
#ifndef SLUICE_CONTROL_CONTROLLERS_OWNER_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_OWNER_CONTROLLER_H_

#include <set>
#include <string>
#include <utility>

#include "control/apiserver/resource_type.h"
#include "control/controllers/store_controller.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

class OwnerController : public StoreController {
 public:
  // Brings one owner in step now (the loop calls it for each dirty owner;
  // tests may call it directly on a stopped controller).
  virtual absl::Status Sync(const std::string& ns, const std::string& name) = 0;

 protected:
  // Both types outlive the controller.
  OwnerController(store::Store* store, std::string name, const apiserver::ResourceType* owners,
                  const apiserver::ResourceType* controlled);

  absl::Status Resync() override;
  void Observe(const store::Event& event) override;
  absl::Status Flush() override;

  const apiserver::ResourceType* owners_;
  const apiserver::ResourceType* controlled_;

 private:
  // The loop's thread only.
  std::set<std::pair<std::string, std::string>> dirty_;
  bool all_dirty_ = false;
};

// The name in `object`'s controller reference when it is of `owners`' kind
// (any version of its group); empty otherwise.
std::string ControllerName(const nlohmann::json& object, const apiserver::ResourceType& owners);
// `object` has a controller reference with `uid`.
bool ControlledBy(const nlohmann::json& object, const std::string& uid);
// The controller reference to `owner` of `type`, blocking its deletion.
nlohmann::json ControllerRef(const apiserver::ResourceType& type, const nlohmann::json& owner);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_OWNER_CONTROLLER_H_
