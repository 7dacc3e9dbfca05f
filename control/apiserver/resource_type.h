// What the API server knows about one served resource: its names for
// discovery, where it is stored, and the per-type hooks (defaulting,
// validation, Table columns) that the one generic handler calls.
#ifndef SLUICE_CONTROL_APISERVER_RESOURCE_TYPE_H_
#define SLUICE_CONTROL_APISERVER_RESOURCE_TYPE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "control/apiserver/api_error.h"
#include "control/controllers/allocators/allocation_table.h"
#include "control/store/store.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// One column of `kubectl get`'s table, as a metav1.TableColumnDefinition.
struct TableColumn {
  std::string name;    // "Cluster-IP"; kubectl prints it upper-cased
  std::string type;    // "string", "integer", "date"
  std::string format;  // "name" for the name column
  std::string description;
  int priority = 0;  // 1: only with -o wide
  // `now` is the server's clock, for ages ("5m", "3 (2m ago)").
  std::function<nlohmann::json(const nlohmann::json& object, absl::Time now)> cell;
};
// The NAME and AGE columns most tables have.
TableColumn NameColumn();
TableColumn AgeColumn();

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;  // "all": part of `kubectl get all`
  // Fields that ?fieldSelector= takes besides metadata.name and
  // metadata.namespace, as Kubernetes lists them per type.
  std::vector<std::string> field_selectors;
  // Fills the defaults Kubernetes fills, on create and update (and patch).
  std::function<void(nlohmann::json& object)> apply_defaults;
  // Field errors of a whole object; `old` is the stored object on update, null
  // on create. Called after defaulting.
  std::function<std::vector<StatusCause>(const nlohmann::json& object, const nlohmann::json* old)>
      validate;
  // Status is written through the status subresource, so an update of the
  // object keeps the stored status and a status update keeps the rest, as
  // Kubernetes does.
  bool has_status = false;
  // What a created object's status starts as (a Pod's phase Pending); unset:
  // the client's status is kept (a Node registers with its addresses).
  std::function<nlohmann::json(const nlohmann::json& object)> initial_status;
  // metadata.generation is 1 on create and counts changes of spec, for the
  // controllers' status.observedGeneration.
  bool tracks_generation = false;
  // Serves the autoscaling/v1 Scale subresource on spec.replicas.
  bool has_scale = false;
  // Serves POST .../binding, which sets spec.nodeName once (Pods: the
  // scheduler's write to a spec that is otherwise fixed).
  bool has_binding = false;
  // On update: carries over what the client may leave out but the server set
  // (a Service's clusterIP). Optional.
  std::function<void(nlohmann::json& object, const nlohmann::json& old)> carry_over;
  // On create and update, after validation: assigns what the server
  // allocates (a Service's clusterIPs and nodePorts) and reserves it until
  // the returned Reservation is dropped, which the handler does once the
  // write that stores the result is done (no lock spans the write). `old` is
  // the stored object on update, else null. `start` offsets dynamic picks: 0
  // at first, random after losing a value to another server. Optional.
  std::function<absl::StatusOr<controllers::Reservation>(
      nlohmann::json& object, const nlohmann::json& old, store::Store& store, uint64_t start)>
      allocate;
  // kubectl's columns in order; -o wide shows those with priority 1 too.
  std::vector<TableColumn> columns;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ListKind() const { return kind + "List"; }
  // "/registry/services/" or "/registry/discovery.k8s.io/endpointslices/".
  std::string KeyPrefix() const;
  // The key of one object; `ns` is ignored for cluster-scoped resources.
  std::string Key(absl::string_view ns, absl::string_view name) const;
  // The prefix of every object of the resource in `ns` ("" for all namespaces).
  std::string ListPrefix(absl::string_view ns) const;
};

// The resources this server serves, in discovery order.
class ResourceRegistry {
 public:
  void Add(ResourceType type) { types_.push_back(std::make_unique<ResourceType>(std::move(type))); }
  const ResourceType* Find(absl::string_view group, absl::string_view version,
                           absl::string_view plural) const;
  // For configuring a type's hooks before the registry serves.
  ResourceType* FindMutable(absl::string_view group, absl::string_view version,
                            absl::string_view plural) {
    return const_cast<ResourceType*>(Find(group, version, plural));
  }
  std::vector<const ResourceType*> All() const;
  // Distinct (group, version) pairs, core first.
  std::vector<std::pair<std::string, std::string>> GroupVersions() const;

 private:
  std::vector<std::unique_ptr<ResourceType>> types_;
};

// Every served type: core/v1, apps/v1, discovery.k8s.io/v1 and
// coordination.k8s.io/v1 (resources.cc has the list).
ResourceRegistry DefaultRegistry();

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_RESOURCE_TYPE_H_
