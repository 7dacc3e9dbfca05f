// Gives type=LoadBalancer Services addresses from the configured pools
// (lb_pools.h): writes status.loadBalancer.ingress, and clears it when a
// Service stops being a LoadBalancer. Services with a loadBalancerClass
// belong to another implementation and are left alone. What is in use is
// read from the Services' statuses, so the controller keeps no state across
// restarts. The status is written to the store by compare-and-set (the API
// server serves no status subresource yet, and keeps the stored status on
// updates, so no client write can undo it).
#ifndef SLUICE_CONTROL_CONTROLLERS_LB_IPAM_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_LB_IPAM_CONTROLLER_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "control/controllers/lb_pools.h"
#include "control/controllers/store_controller.h"

namespace sluice::controllers {

class LbIpamController : public StoreController {
 public:
  // `report(service, why)` hears why a Service (as stored) got no address,
  // once per reason; called on the loop's thread.
  using Reporter = std::function<void(const nlohmann::json&, const std::string&)>;
  LbIpamController(store::Store* store, std::vector<LbPool> pools, Reporter report);
  ~LbIpamController() override;

 protected:
  absl::Status Resync() override;
  void Observe(const store::Event& event) override;
  absl::Status Flush() override;

 private:
  std::vector<LbPool> pools_;
  Reporter report_;
  std::set<std::string> dirty_;  // Service keys; the loop's thread only
  // The last reason reported per Service, so that a retry does not repeat it.
  std::map<std::string, std::string> reported_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_LB_IPAM_CONTROLLER_H_
