#include "control/controllers/owner_controller.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using apiserver::ArrayAt;
using apiserver::StringAt;

const json* ControllerReference(const json& object) {
  for (const json& ref : ArrayAt(object, "/metadata/ownerReferences"))
    if (ref.value("controller", json()) == true) return &ref;
  return nullptr;
}

}  // namespace

std::string ControllerName(const json& object, const apiserver::ResourceType& owners) {
  const json* ref = ControllerReference(object);
  if (ref == nullptr || StringAt(*ref, "/kind", "") != owners.kind) return "";
  std::string api_version = StringAt(*ref, "/apiVersion", "");
  bool same_group = owners.group.empty() ? api_version.find('/') == std::string::npos
                                         : absl::StartsWith(api_version, owners.group + "/");
  return same_group ? StringAt(*ref, "/name", "") : "";
}

bool ControlledBy(const json& object, const std::string& uid) {
  const json* ref = ControllerReference(object);
  return ref != nullptr && StringAt(*ref, "/uid", "") == uid;
}

json ControllerRef(const apiserver::ResourceType& type, const json& owner) {
  return {{"apiVersion", type.ApiVersion()},
          {"kind", type.kind},
          {"name", StringAt(owner, "/metadata/name", "")},
          {"uid", StringAt(owner, "/metadata/uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

OwnerController::OwnerController(store::Store* store, std::string name,
                                 const apiserver::ResourceType* owners,
                                 const apiserver::ResourceType* controlled)
    : StoreController(store, std::move(name), {owners->KeyPrefix(), controlled->KeyPrefix()}),
      owners_(owners),
      controlled_(controlled) {}

absl::Status OwnerController::Resync() {
  all_dirty_ = true;
  return absl::OkStatus();
}

void OwnerController::Observe(const store::Event& event) {
  const std::string& key = event.kv.key;
  auto [ns, name] = NamespaceAndName(key);
  if (absl::StartsWith(key, owners_->KeyPrefix())) {
    dirty_.insert({ns, name});
    return;
  }
  // The owner before and after: a changed controller reference concerns both.
  for (const std::string* value : {event.type == store::EventType::kPut ? &event.kv.value : nullptr,
                                   event.prev_kv ? &event.prev_kv->value : nullptr}) {
    if (value == nullptr) continue;
    std::string owner = ControllerName(json::parse(*value, nullptr, false), *owners_);
    if (!owner.empty()) dirty_.insert({ns, owner});
  }
}

absl::Status OwnerController::Flush() {
  if (all_dirty_) {
    SLUICE_ASSIGN_OR_RETURN(store::ListResult list, store_->List({.prefix = owners_->KeyPrefix()}));
    for (const store::KeyValue& kv : list.kvs) dirty_.insert(NamespaceAndName(kv.key));
    all_dirty_ = false;
  }
  absl::Status first_error;
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    absl::Status synced = Sync(it->first, it->second);
    if (synced.ok()) {
      it = dirty_.erase(it);
      continue;
    }
    if (first_error.ok())
      first_error = absl::Status(synced.code(), absl::StrCat(owners_->singular, " ", it->first, "/",
                                                             it->second, ": ", synced.message()));
    ++it;
  }
  return first_error;
}

}  // namespace sluice::controllers
