// Keeps the EndpointSlices of every Service with a selector in step with the
// Pods it selects (endpoint_slices.h says what they hold). Watches Services,
// Pods, Nodes (for zones) and EndpointSlices in the store; writes slices
// through the API server's handler, so they are validated and get names,
// uids and resourceVersions as any client's would, and updates are
// compare-and-set on the resourceVersion the controller read.
#ifndef SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICE_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICE_CONTROLLER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "control/apiserver/resource_handler.h"
#include "control/controllers/endpoint_slices.h"
#include "control/controllers/store_controller.h"

namespace sluice::controllers {

class EndpointSliceController : public StoreController {
 public:
  // `handler` (and its registry, which must serve endpointslices) outlive the
  // controller.
  EndpointSliceController(store::Store* store, apiserver::ResourceHandler* handler,
                          const apiserver::ResourceRegistry* registry,
                          size_t max_per_slice = kMaxEndpointsPerSlice);
  ~EndpointSliceController() override;

  // Brings the slices of one Service in step now (the loop calls it for
  // each dirty Service; tests may call it directly on a stopped controller).
  absl::Status Sync(const std::string& ns, const std::string& name);

 protected:
  absl::Status Resync() override;
  void Observe(const store::Event& event) override;
  absl::Status Flush() override;

 private:
  // What one flush reads once for all the Services it syncs.
  struct Reads {
    std::map<std::string, std::vector<nlohmann::json>> pods;  // by namespace
    std::optional<std::map<std::string, std::string>> zones;  // node -> zone
  };
  absl::Status Sync(const std::string& ns, const std::string& name, Reads* reads);
  absl::StatusOr<std::vector<nlohmann::json>> ListValues(const std::string& prefix);
  absl::StatusOr<std::vector<nlohmann::json>> ManagedSlices(const std::string& ns,
                                                            const std::string& service);
  absl::StatusOr<std::map<std::string, std::string>> NodeZones();
  apiserver::ResourcePath SlicePath(const std::string& ns, const std::string& name = "") const;

  apiserver::ResourceHandler* handler_;
  const apiserver::ResourceType* slices_;
  size_t max_per_slice_;
  // Touched only by the loop's thread.
  std::set<std::pair<std::string, std::string>> dirty_services_;
  // Namespace -> the labels of its changed Pods, before and after: the
  // Services whose selector matches one of them are dirty.
  std::map<std::string, std::vector<nlohmann::json>> changed_pod_labels_;
  bool all_dirty_ = false;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ENDPOINT_SLICE_CONTROLLER_H_
