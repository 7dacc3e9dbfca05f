// The one code path for every served resource: get, list, create, update,
// patch and delete over the revisioned store, with the per-type hooks of
// ResourceType. Objects are stored as JSON without resourceVersion, which is
// the key's mod revision and is filled in on every read (as Kubernetes'
// etcd3 storage does).
#ifndef SLUICE_CONTROL_APISERVER_RESOURCE_HANDLER_H_
#define SLUICE_CONTROL_APISERVER_RESOURCE_HANDLER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/apiserver/delete_options.h"
#include "control/apiserver/http_types.h"
#include "control/apiserver/resource_type.h"
#include "control/store/store.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

class WatchLines;

// Where a request points: a collection (name empty) or one object.
struct ResourcePath {
  const ResourceType* type = nullptr;
  std::string ns;    // empty: cluster-scoped, or every namespace for a list
  std::string name;  // empty: the collection
  // "status" or "scale" for /<name>/status, /<name>/scale; else empty.
  std::string subresource;
};

// Who writes, for metadata.managedFields: ?fieldManager, else the
// User-Agent's program name (as Kubernetes); ?force for server-side apply.
struct WriteOptions {
  std::string field_manager;
  bool force = false;
};

struct ListParams {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
};

class ResourceHandler {
 public:
  ResourceHandler(store::Store* store, const ResourceRegistry* registry,
                  std::function<absl::Time()> clock = absl::Now);

  // Dispatches by method (GET, POST, PUT, PATCH, DELETE; GET with ?watch to
  // the watch handler) and renders errors as Status objects.
  HttpResponse Handle(const ResourcePath& path, const HttpRequest& request);

  absl::StatusOr<nlohmann::json> Get(const ResourcePath& path);
  // A <Kind>List with metadata.resourceVersion and, when cut short,
  // metadata.continue.
  absl::StatusOr<nlohmann::json> List(const ResourcePath& path, const ListParams& params);
  // The same list as JSON text, with the stored objects' bytes copied
  // rather than parsed and written again where they allow it.
  absl::StatusOr<std::string> ListJson(const ResourcePath& path, const ListParams& params);
  absl::StatusOr<nlohmann::json> Create(const ResourcePath& path, nlohmann::json object,
                                        const WriteOptions& options = {});
  absl::StatusOr<nlohmann::json> Update(const ResourcePath& path, nlohmann::json object,
                                        const WriteOptions& options = {});
  // An apply patch (application/apply-patch+yaml) is server-side apply:
  // creates the object when missing (and then sets `*created`, for a 201);
  // options.field_manager is required.
  absl::StatusOr<nlohmann::json> Patch(const ResourcePath& path, absl::string_view body,
                                       absl::string_view content_type,
                                       const WriteOptions& options = {}, bool* created = nullptr);
  // Marks or removes the object (resource_delete.cc); `options` as a
  // DELETE's DeleteOptions.
  absl::StatusOr<nlohmann::json> Delete(const ResourcePath& path,
                                        const DeleteOptions& options = {});
  // With path.subresource "status", Update and Patch change status alone;
  // without, they keep the stored status.

  // The autoscaling/v1 Scale of a workload (resource_scale.cc); writes change
  // spec.replicas alone.
  absl::StatusOr<nlohmann::json> GetScale(const ResourcePath& path);
  absl::StatusOr<nlohmann::json> UpdateScale(const ResourcePath& path, nlohmann::json scale);
  // A Binding's target.name as the Pod's spec.nodeName, with the PodScheduled
  // condition (resource_binding.cc); Conflict once the Pod has a node.
  absl::Status Bind(const ResourcePath& path, const nlohmann::json& binding);
  absl::StatusOr<nlohmann::json> PatchScale(const ResourcePath& path, absl::string_view body,
                                            absl::string_view content_type);

  // The namespaces every cluster starts with (default, kube-system,
  // kube-public, kube-node-lease); existing ones are left alone.
  absl::Status EnsureSystemNamespaces();

 private:
  // What a list read: its revision, and the token of the next page when
  // `limit` cut it short.
  struct ListPage {
    int64_t revision = 0;
    std::string continue_token;
  };
  // Walks the list's pages from the store (continue token, limit) and hands
  // each object to `take`, which says whether it counts towards the limit
  // (selectors).
  absl::StatusOr<ListPage> WalkList(
      const ResourcePath& path, const ListParams& params,
      const std::function<absl::StatusOr<bool>(const store::KeyValue&)>& take);
  // Defaulting and validation, shared by create, update and patch.
  absl::Status Admit(const ResourcePath& path, nlohmann::json& object, const nlohmann::json* old);
  HttpResponse HandleSubresource(const ResourcePath& path, const HttpRequest& request);
  // Sets spec.replicas from a Scale, keeping everything else of `old`.
  absl::StatusOr<nlohmann::json> ApplyScale(const ResourcePath& path, const nlohmann::json& scale,
                                            const nlohmann::json& old, int64_t mod_revision);
  // Writes `object` over the stored value at `mod_revision`.
  // `manager` is recorded in managedFields (operation Update) unless empty,
  // as for an apply, which records its own.
  absl::StatusOr<nlohmann::json> Replace(const ResourcePath& path, nlohmann::json object,
                                         const nlohmann::json& old, int64_t mod_revision,
                                         const std::string& manager);
  // Server-side apply (apply.h) of `body` by options.field_manager.
  absl::StatusOr<nlohmann::json> Apply(const ResourcePath& path, absl::string_view body,
                                       const WriteOptions& options, bool* created);
  // Create's write, its name generated again on a collision.
  absl::StatusOr<nlohmann::json> CreateAllocated(const ResourceType& type, const std::string& ns,
                                                 const std::string& generate,
                                                 nlohmann::json object);
  // NotFound for a missing namespace, Forbidden for one being terminated.
  absl::Status CheckNamespaceAccepts(const std::string& ns, const ResourcePath& path,
                                     const std::string& name);
  // resource_delete.cc: finalizers, and the namespace controller's part.
  absl::StatusOr<store::WriteResult> WriteOrFinish(const std::string& key,
                                                   const nlohmann::json& object,
                                                   int64_t mod_revision);
  absl::StatusOr<nlohmann::json> MarkDeleted(
      const ResourcePath& path, const std::function<absl::Status(nlohmann::json&)>& change);
  absl::StatusOr<nlohmann::json> DeleteNamespace(const ResourcePath& path,
                                                 const DeleteOptions& options);
  absl::Status DeleteNamespaceContents(const std::string& ns);
  absl::StatusOr<store::KeyValue> GetKv(const ResourcePath& path);

  store::Store* store_;
  const ResourceRegistry* registry_;
  std::function<absl::Time()> clock_;
  // Event lines shared by this server's watches (watch.h).
  std::shared_ptr<WatchLines> watch_lines_;
};

// Runs `attempt` again on a Conflict unless it reports a resourceVersion
// precondition: patches retry on a concurrent write, as Kubernetes'
// GuaranteedUpdate does.
absl::StatusOr<nlohmann::json> RetryPatch(
    const std::function<absl::StatusOr<nlohmann::json>(bool* precondition)>& attempt);

// The object as stored: without resourceVersion.
std::string EncodeObject(nlohmann::json object);
// metadata.deletionTimestamp is set: deletion waits for finalizers.
bool IsBeingDeleted(const nlohmann::json& object);

// The stored value with its kind, apiVersion and resourceVersion filled in.
absl::StatusOr<nlohmann::json> DecodeObject(const ResourceType& type, const store::KeyValue& kv);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_RESOURCE_HANDLER_H_
