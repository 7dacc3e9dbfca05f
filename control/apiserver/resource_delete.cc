// Deletion. An object without finalizers goes at once. One with finalizers is
// marked (metadata.deletionTimestamp) and goes with the update that removes
// its last finalizer, as Kubernetes' finalizers work. propagationPolicy
// Orphan and Foreground add the garbage collector's finalizer (orphan,
// foregroundDeletion), so the owner stays until the collector
// (control/controllers/garbage_collector.h) has orphaned or deleted its
// dependents; Background leaves them to the collector after the owner is
// gone. Preconditions (uid, resourceVersion) are checked on the object the
// delete changes. A namespace turns
// Terminating, is emptied, and loses its "kubernetes" finalizer within the
// request: the namespace controller's work, which Sluice does inline so that
// `kubectl delete namespace` needs no controller to finish.
#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/delete_options.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// The namespace lifecycle's own finalizer, in a Namespace's spec.finalizers.
constexpr char kNamespaceFinalizer[] = "kubernetes";

bool HasFinalizers(const json& o) {
  return !ArrayAt(o, "/metadata/finalizers").empty() || !ArrayAt(o, "/spec/finalizers").empty();
}

void MarkForDeletion(json& o, const std::string& now) {
  if (IsBeingDeleted(o)) return;
  o["metadata"]["deletionTimestamp"] = now;
  o["metadata"]["deletionGracePeriodSeconds"] = 0;
}

// 409 unless the object is the one the client meant.
absl::Status CheckPreconditions(const ResourcePath& path, const json& o,
                                const DeleteOptions& options) {
  std::string uid = StringAt(o, "/metadata/uid", "");
  if (!options.uid.empty() && options.uid != uid)
    return ConflictError(SubjectOf(*path.type, path.name),
                         absl::StrCat("Precondition failed: UID in precondition: ", options.uid,
                                      ", UID in object meta: ", uid));
  std::string rv = StringAt(o, "/metadata/resourceVersion", "");
  if (!options.resource_version.empty() && options.resource_version != rv)
    return ConflictError(
        SubjectOf(*path.type, path.name),
        absl::StrCat("Precondition failed: ResourceVersion in precondition: ",
                     options.resource_version, ", ResourceVersion in object meta: ", rv));
  return absl::OkStatus();
}

// The garbage collector's finalizers as `policy` wants them, the others and
// their order kept. An empty policy keeps what the object has (Kubernetes'
// deletionFinalizersForGarbageCollection).
void SetCollectorFinalizers(json& o, const std::string& policy) {
  if (policy.empty()) return;
  const char* wanted = policy == kPropagationOrphan       ? kOrphanFinalizer
                       : policy == kPropagationForeground ? kForegroundFinalizer
                                                          : nullptr;
  json finalizers = json::array();
  bool changed = false;
  for (const json& f : ArrayAt(o, "/metadata/finalizers")) {
    bool collector = f == kOrphanFinalizer || f == kForegroundFinalizer;
    if (collector && (wanted == nullptr || f != wanted)) {
      changed = true;
      continue;
    }
    finalizers.push_back(f);
  }
  if (wanted != nullptr && !absl::c_linear_search(finalizers, json(wanted))) {
    finalizers.push_back(wanted);
    changed = true;
  }
  if (changed) ObjectField(o, "metadata")["finalizers"] = std::move(finalizers);
}

}  // namespace

bool IsBeingDeleted(const json& object) {
  return !StringAt(object, "/metadata/deletionTimestamp", "").empty();
}

absl::StatusOr<store::WriteResult> ResourceHandler::WriteOrFinish(const std::string& key,
                                                                  const json& object,
                                                                  int64_t mod_revision) {
  if (IsBeingDeleted(object) && !HasFinalizers(object)) return store_->Delete(key, mod_revision);
  return store_->Update(key, EncodeObject(object), mod_revision);
}

// Applies `change` to the stored object and writes it (or deletes it when its
// deletion is due), again after a concurrent write. Returns the object as
// changed, or as it was when it is gone.
absl::StatusOr<json> ResourceHandler::MarkDeleted(
    const ResourcePath& path, const std::function<absl::Status(json&)>& change) {
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
    SLUICE_ASSIGN_OR_RETURN(json object, DecodeObject(*path.type, kv));
    json changed = object;
    SLUICE_RETURN_IF_ERROR(change(changed));
    if (changed == object) return object;
    SLUICE_ASSIGN_OR_RETURN(store::WriteResult result,
                            WriteOrFinish(kv.key, changed, kv.mod_revision));
    if (!result.succeeded) {
      if (!result.kv) return NotFoundError(SubjectOf(*path.type, path.name));
      continue;
    }
    if (IsBeingDeleted(changed) && !HasFinalizers(changed)) return object;
    changed["metadata"]["resourceVersion"] = absl::StrCat(result.revision);
    return changed;
  }
}

absl::StatusOr<json> ResourceHandler::Delete(const ResourcePath& path,
                                             const DeleteOptions& options) {
  if (path.type->group.empty() && path.type->plural == "namespaces")
    return DeleteNamespace(path, options);
  std::string now = FormatTimestamp(clock_());
  return MarkDeleted(path, [&](json& o) {
    SLUICE_RETURN_IF_ERROR(CheckPreconditions(path, o, options));
    SetCollectorFinalizers(o, options.propagation_policy);
    MarkForDeletion(o, now);
    return absl::OkStatus();
  });
}

// The propagation policy has no part here: the contents go outright.
absl::StatusOr<json> ResourceHandler::DeleteNamespace(const ResourcePath& path,
                                                      const DeleteOptions& options) {
  std::string now = FormatTimestamp(clock_());
  // Terminating first, so that no new content arrives while the old goes.
  SLUICE_ASSIGN_OR_RETURN(json terminating, MarkDeleted(path, [&](json& o) {
                            SLUICE_RETURN_IF_ERROR(CheckPreconditions(path, o, options));
                            MarkForDeletion(o, now);
                            ObjectField(o, "status")["phase"] = "Terminating";
                            return absl::OkStatus();
                          }));
  SLUICE_RETURN_IF_ERROR(DeleteNamespaceContents(path.name));
  auto finalized = MarkDeleted(path, [](json& o) {
    json& spec = ObjectField(o, "spec");
    json kept = json::array();
    for (const json& f : ArrayAt(o, "/spec/finalizers"))
      if (f != kNamespaceFinalizer) kept.push_back(f);
    spec["finalizers"] = kept;
    return absl::OkStatus();
  });
  // Gone already (it had no finalizers) is the end we want.
  if (!finalized.ok() && finalized.status().code() != absl::StatusCode::kNotFound)
    return finalized.status();
  return terminating;
}

// The contents go outright, their own finalizers notwithstanding: nothing
// would come back to finish a namespace that waits for them.
absl::Status ResourceHandler::DeleteNamespaceContents(const std::string& ns) {
  for (const ResourceType* type : registry_->All()) {
    if (!type->namespaced) continue;
    SLUICE_ASSIGN_OR_RETURN(store::ListResult list, store_->List({.prefix = type->ListPrefix(ns)}));
    for (const store::KeyValue& kv : list.kvs)
      SLUICE_RETURN_IF_ERROR(store_->Delete(kv.key, store::kUnconditional).status());
  }
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
