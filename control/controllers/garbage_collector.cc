#include "control/controllers/garbage_collector.h"

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/delete_options.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using apiserver::ArrayAt;
using apiserver::IsBeingDeleted;
using apiserver::StringAt;

constexpr char kRegistry[] = "/registry/";

bool HasFinalizer(const json& object, const char* finalizer) {
  return absl::c_linear_search(ArrayAt(object, "/metadata/finalizers"), json(finalizer));
}

// Gone already, or replaced by a new object of the same name (a uid
// precondition failed): either way nothing is left to do for this one.
absl::Status IgnoreGone(const absl::Status& status) {
  int code = apiserver::HttpCode(status);
  return status.ok() || code == 404 || code == 409 ? absl::OkStatus() : status;
}

// Where `object` of `type` is served. Built before the object is moved
// anywhere (argument order is unspecified).
apiserver::ResourcePath PathOf(const apiserver::ResourceType* type, const json& object) {
  return {.type = type,
          .ns = StringAt(object, "/metadata/namespace", ""),
          .name = StringAt(object, "/metadata/name", "")};
}

}  // namespace

GarbageCollector::GarbageCollector(store::Store* store, apiserver::ResourceHandler* handler,
                                   const apiserver::ResourceRegistry* registry)
    : StoreController(store, "garbage-collector", {kRegistry}),
      handler_(handler),
      registry_(registry) {}

GarbageCollector::~GarbageCollector() {
  Stop();
}

const apiserver::ResourceType* GarbageCollector::TypeOfKey(const std::string& key) const {
  for (const apiserver::ResourceType* type : registry_->All()) {
    std::string prefix = type->KeyPrefix();
    if (!absl::StartsWith(key, prefix)) continue;
    size_t slashes = absl::c_count(key.substr(prefix.size()), '/');
    if (slashes == (type->namespaced ? 1u : 0u)) return type;
  }
  return nullptr;
}

std::vector<GarbageCollector::OwnerRef> GarbageCollector::OwnerRefs(const json& object) const {
  std::string ns = StringAt(object, "/metadata/namespace", "");
  std::vector<OwnerRef> refs;
  for (const json& ref : ArrayAt(object, "/metadata/ownerReferences")) {
    if (!ref.is_object()) continue;
    std::string api_version = StringAt(ref, "/apiVersion", "");
    std::string group = api_version.find('/') == std::string::npos
                            ? ""
                            : api_version.substr(0, api_version.find('/'));
    std::string kind = StringAt(ref, "/kind", "");
    OwnerRef owner{.uid = StringAt(ref, "/uid", ""),
                   .blocks = ref.value("blockOwnerDeletion", json()) == true};
    // Any version of the group: an owner is the same object in every version.
    for (const apiserver::ResourceType* type : registry_->All()) {
      if (type->group != group || type->kind != kind) continue;
      // A cluster-scoped object cannot be owned by a namespaced one.
      if (type->namespaced && ns.empty()) break;
      owner.key = type->Key(ns, StringAt(ref, "/name", ""));
      break;
    }
    refs.push_back(std::move(owner));
  }
  return refs;
}

std::vector<GarbageCollector::OwnerRef> GarbageCollector::Index(const std::string& key,
                                                                std::vector<OwnerRef> refs) {
  std::vector<OwnerRef> before;
  if (auto it = owners_.find(key); it != owners_.end()) {
    before = std::move(it->second);
    owners_.erase(it);
  }
  for (const OwnerRef& ref : before) {
    auto it = dependents_.find(ref.uid);
    if (it == dependents_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) dependents_.erase(it);
  }
  for (const OwnerRef& ref : refs) dependents_[ref.uid].insert(key);
  if (!refs.empty()) owners_[key] = std::move(refs);
  return before;
}

absl::StatusOr<GarbageCollector::OwnerState> GarbageCollector::StateOf(const OwnerRef& ref) {
  if (ref.key.empty()) return OwnerState::kPresent;  // unresolvable: never collected on a guess
  SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(ref.key, store::kLatest));
  if (!kv) return OwnerState::kGone;
  json owner = json::parse(kv->value, nullptr, false);
  if (StringAt(owner, "/metadata/uid", "") != ref.uid) return OwnerState::kGone;
  if (IsBeingDeleted(owner) && HasFinalizer(owner, apiserver::kForegroundFinalizer))
    return OwnerState::kDeletingDependents;
  return OwnerState::kPresent;
}

absl::StatusOr<std::optional<GarbageCollector::Stored>> GarbageCollector::Read(
    const std::string& key) {
  const apiserver::ResourceType* type = TypeOfKey(key);
  if (type == nullptr) return std::nullopt;
  SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(key, store::kLatest));
  if (!kv) return std::nullopt;
  SLUICE_ASSIGN_OR_RETURN(json object, apiserver::DecodeObject(*type, *kv));
  apiserver::ResourcePath path = PathOf(type, object);
  return Stored{.path = std::move(path), .object = std::move(object)};
}

absl::Status GarbageCollector::Process(const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<Stored> stored, Read(key));
  if (!stored) return absl::OkStatus();
  json& object = stored->object;
  if (IsBeingDeleted(object)) {
    // Orphaning first, as Kubernetes does when a client set both.
    if (HasFinalizer(object, apiserver::kOrphanFinalizer))
      return OrphanDependents(stored->path, std::move(object));
    if (HasFinalizer(object, apiserver::kForegroundFinalizer))
      return DeleteDependentsFirst(stored->path, std::move(object));
    return absl::OkStatus();
  }
  return CollectIfOrphaned(stored->path, std::move(object));
}

absl::Status GarbageCollector::CollectKey(const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<Stored> stored, Read(key));
  if (!stored) return absl::OkStatus();
  return CollectIfOrphaned(stored->path, std::move(stored->object));
}

absl::Status GarbageCollector::CollectIfOrphaned(const apiserver::ResourcePath& path, json object) {
  // Being deleted already: only the foreground case still concerns the
  // collector, and Process handles it as an owner.
  if (IsBeingDeleted(object)) return absl::OkStatus();
  std::vector<OwnerRef> refs = OwnerRefs(object);
  if (refs.empty()) return absl::OkStatus();
  bool present = false, waiting = false;
  std::set<std::string> gone;  // uids of owners gone or deleting their dependents
  for (const OwnerRef& ref : refs) {
    SLUICE_ASSIGN_OR_RETURN(OwnerState state, StateOf(ref));
    if (state == OwnerState::kPresent) {
      present = true;
      continue;
    }
    waiting = waiting || state == OwnerState::kDeletingDependents;
    gone.insert(ref.uid);
  }
  if (present) {
    if (gone.empty()) return absl::OkStatus();
    json kept = json::array();
    for (const json& ref : ArrayAt(object, "/metadata/ownerReferences"))
      if (!gone.contains(StringAt(ref, "/uid", ""))) kept.push_back(ref);
    object["metadata"]["ownerReferences"] = std::move(kept);
    return IgnoreGone(handler_->Update(path, std::move(object)).status());
  }
  // Kubernetes' choice: the object's own finalizers decide, and an object
  // whose owner waits for its dependents passes the wait on to its own.
  std::string uid = StringAt(object, "/metadata/uid", "");
  std::string policy = apiserver::kPropagationBackground;
  if (HasFinalizer(object, apiserver::kOrphanFinalizer))
    policy = apiserver::kPropagationOrphan;
  else if (HasFinalizer(object, apiserver::kForegroundFinalizer) ||
           (waiting && dependents_.contains(uid)))
    policy = apiserver::kPropagationForeground;
  return IgnoreGone(handler_->Delete(path, {.propagation_policy = policy, .uid = uid}).status());
}

absl::Status GarbageCollector::OrphanDependents(const apiserver::ResourcePath& path, json owner) {
  std::string uid = StringAt(owner, "/metadata/uid", "");
  std::set<std::string> keys;
  if (auto it = dependents_.find(uid); it != dependents_.end()) keys = it->second;
  for (const std::string& key : keys) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<Stored> stored, Read(key));
    if (!stored) continue;
    json& dependent = stored->object;
    json kept = json::array();
    for (const json& ref : ArrayAt(dependent, "/metadata/ownerReferences"))
      if (StringAt(ref, "/uid", "") != uid) kept.push_back(ref);
    if (kept.size() == ArrayAt(dependent, "/metadata/ownerReferences").size()) continue;
    if (kept.empty())
      dependent["metadata"].erase("ownerReferences");
    else
      dependent["metadata"]["ownerReferences"] = std::move(kept);
    auto updated = handler_->Update(stored->path, std::move(dependent));
    // A conflict is retried with what is current (the key stays dirty).
    if (!updated.ok() && apiserver::HttpCode(updated.status()) != 404) return updated.status();
  }
  return RemoveFinalizer(path, std::move(owner), apiserver::kOrphanFinalizer);
}

absl::Status GarbageCollector::DeleteDependentsFirst(const apiserver::ResourcePath& path,
                                                     json owner) {
  std::string uid = StringAt(owner, "/metadata/uid", "");
  std::set<std::string> keys;
  if (auto it = dependents_.find(uid); it != dependents_.end()) keys = it->second;
  bool blocked = false;
  for (const std::string& key : keys) {
    SLUICE_RETURN_IF_ERROR(CollectKey(key));
    auto refs = owners_.find(key);
    if (refs == owners_.end()) continue;
    for (const OwnerRef& ref : refs->second) blocked = blocked || (ref.uid == uid && ref.blocks);
  }
  // The watch brings the owner back here when a blocking dependent goes.
  if (blocked) return absl::OkStatus();
  return RemoveFinalizer(path, std::move(owner), apiserver::kForegroundFinalizer);
}

absl::Status GarbageCollector::RemoveFinalizer(const apiserver::ResourcePath& path, json object,
                                               const char* finalizer) {
  json kept = json::array();
  for (const json& f : ArrayAt(object, "/metadata/finalizers"))
    if (f != finalizer) kept.push_back(f);
  object["metadata"]["finalizers"] = std::move(kept);
  auto updated = handler_->Update(path, std::move(object));
  if (!updated.ok() && apiserver::HttpCode(updated.status()) != 404) return updated.status();
  return absl::OkStatus();
}

absl::Status GarbageCollector::Resync() {
  owners_.clear();
  dependents_.clear();
  for (const apiserver::ResourceType* type : registry_->All()) {
    SLUICE_ASSIGN_OR_RETURN(store::ListResult list, store_->List({.prefix = type->KeyPrefix()}));
    for (const store::KeyValue& kv : list.kvs) {
      json object = json::parse(kv.value, nullptr, false);
      if (!object.is_object()) continue;
      std::vector<OwnerRef> refs = OwnerRefs(object);
      if (!refs.empty() ||
          (IsBeingDeleted(object) && (HasFinalizer(object, apiserver::kOrphanFinalizer) ||
                                      HasFinalizer(object, apiserver::kForegroundFinalizer))))
        dirty_.insert(kv.key);
      Index(kv.key, std::move(refs));
    }
  }
  return absl::OkStatus();
}

void GarbageCollector::Observe(const store::Event& event) {
  const std::string& key = event.kv.key;
  if (TypeOfKey(key) == nullptr) return;
  std::vector<OwnerRef> now;
  if (event.type == store::EventType::kPut) {
    json object = json::parse(event.kv.value, nullptr, false);
    if (object.is_object()) now = OwnerRefs(object);
    if (IsBeingDeleted(object) && (HasFinalizer(object, apiserver::kOrphanFinalizer) ||
                                   HasFinalizer(object, apiserver::kForegroundFinalizer)))
      dirty_.insert(key);
  }
  std::vector<OwnerRef> before = Index(key, now);
  if (before != now) {
    // New or changed references are checked; the owners it no longer names
    // may have been waiting for it (foreground deletion).
    if (!now.empty()) dirty_.insert(key);
    for (const OwnerRef& ref : before)
      if (!ref.key.empty()) dirty_.insert(ref.key);
  }
  if (event.type == store::EventType::kDelete && event.prev_kv) {
    // The store gives a delete's previous value, which has the uid its
    // dependents name.
    json gone = json::parse(event.prev_kv->value, nullptr, false);
    auto it = dependents_.find(StringAt(gone, "/metadata/uid", ""));
    if (it != dependents_.end()) dirty_.insert(it->second.begin(), it->second.end());
  }
}

absl::Status GarbageCollector::Flush() {
  absl::Status first_error;
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    absl::Status processed = Process(*it);
    if (processed.ok()) {
      it = dirty_.erase(it);
      continue;
    }
    if (first_error.ok())
      first_error = absl::Status(processed.code(), absl::StrCat(*it, ": ", processed.message()));
    ++it;
  }
  return first_error;
}

}  // namespace sluice::controllers
