#include "control/controllers/endpoint_slice_controller.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/service_json.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

constexpr char kServices[] = "/registry/services/";
constexpr char kPods[] = "/registry/pods/";
constexpr char kNodes[] = "/registry/nodes/";
constexpr char kZoneLabel[] = "topology.kubernetes.io/zone";

json Labels(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object())
    return json::object();
  const json& meta = object["metadata"];
  return meta.contains("labels") && meta["labels"].is_object() ? meta["labels"] : json::object();
}

}  // namespace

EndpointSliceController::EndpointSliceController(store::Store* store,
                                                 apiserver::ResourceHandler* handler,
                                                 const apiserver::ResourceRegistry* registry,
                                                 size_t max_per_slice)
    : StoreController(store, "endpointslice-controller",
                      {kServices, kPods, kNodes,
                       registry->Find("discovery.k8s.io", "v1", "endpointslices")->KeyPrefix()}),
      handler_(handler),
      slices_(registry->Find("discovery.k8s.io", "v1", "endpointslices")),
      max_per_slice_(max_per_slice) {}

EndpointSliceController::~EndpointSliceController() {
  Stop();
}

apiserver::ResourcePath EndpointSliceController::SlicePath(const std::string& ns,
                                                           const std::string& name) const {
  return {.type = slices_, .ns = ns, .name = name};
}

absl::StatusOr<std::vector<json>> EndpointSliceController::ListValues(const std::string& prefix) {
  SLUICE_ASSIGN_OR_RETURN(store::ListResult list, store_->List({.prefix = prefix}));
  std::vector<json> values;
  for (const store::KeyValue& kv : list.kvs) {
    json value = json::parse(kv.value, nullptr, false);
    if (value.is_object()) values.push_back(std::move(value));
  }
  return values;
}

absl::StatusOr<std::vector<json>> EndpointSliceController::ManagedSlices(
    const std::string& ns, const std::string& service) {
  SLUICE_ASSIGN_OR_RETURN(json list, handler_->List(SlicePath(ns), {}));
  std::vector<json> managed;
  for (json& slice : list["items"]) {
    json labels = Labels(slice);
    if (labels.value(kServiceNameLabel, "") == service &&
        labels.value(kManagedByLabel, "") == kManagedBy)
      managed.push_back(std::move(slice));
  }
  return managed;
}

absl::StatusOr<std::map<std::string, std::string>> EndpointSliceController::NodeZones() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<json> nodes, ListValues(kNodes));
  std::map<std::string, std::string> zones;
  for (const json& node : nodes)
    zones[StringField(node["metadata"], "name")] = Labels(node).value(kZoneLabel, "");
  return zones;
}

absl::Status EndpointSliceController::Sync(const std::string& ns, const std::string& name) {
  Reads reads;
  return Sync(ns, name, &reads);
}

absl::Status EndpointSliceController::Sync(const std::string& ns, const std::string& name,
                                           Reads* reads) {
  SLUICE_ASSIGN_OR_RETURN(auto kv,
                          store_->Get(absl::StrCat(kServices, ns, "/", name), store::kLatest));
  json service = kv ? json::parse(kv->value, nullptr, false) : json();
  SLUICE_ASSIGN_OR_RETURN(std::vector<json> existing, ManagedSlices(ns, name));
  std::vector<DesiredSlice> desired;
  if (service.is_object() && ManagesSlices(service)) {
    if (!reads->pods.contains(ns)) {
      SLUICE_ASSIGN_OR_RETURN(reads->pods[ns], ListValues(absl::StrCat(kPods, ns, "/")));
    }
    if (!reads->zones) {
      SLUICE_ASSIGN_OR_RETURN(reads->zones, NodeZones());
    }
    desired = DesiredSlices(service, reads->pods[ns], *reads->zones, max_per_slice_);
    // A Service whose selector matches nothing still gets one empty slice
    // per family, as Kubernetes gives it, so clients see "no endpoints".
    if (desired.empty())
      for (const std::string& family : StringList(service["spec"], "ipFamilies"))
        desired.push_back(
            {.address_type = family, .ports = json::array(), .endpoints = json::array()});
  }

  // Pairs each desired slice with a stored one of the same address type and
  // ports (and owner: a Service deleted and created again gets new slices).
  std::vector<bool> used(existing.size(), false);
  for (const DesiredSlice& slice : desired) {
    json object = SliceObject(service, slice);
    json content = ManagedContent(object);
    size_t match = existing.size();
    for (size_t i = 0; i < existing.size(); ++i) {
      if (used[i]) continue;
      json stored = ManagedContent(existing[i]);
      if (stored["addressType"] != content["addressType"] || stored["ports"] != content["ports"] ||
          stored["ownerReferences"] != content["ownerReferences"])
        continue;
      match = i;
      if (stored == content) break;  // prefer one that needs no write
    }
    if (match == existing.size()) {
      object["metadata"]["generateName"] = name + "-";
      SLUICE_RETURN_IF_ERROR(handler_->Create(SlicePath(ns), std::move(object)).status());
      continue;
    }
    used[match] = true;
    if (ManagedContent(existing[match]) == content) continue;
    json& meta = object["metadata"];
    const json& stored_meta = existing[match]["metadata"];
    for (const char* kept : {"name", "generateName", "uid", "creationTimestamp", "resourceVersion"})
      if (stored_meta.contains(kept)) meta[kept] = stored_meta[kept];
    SLUICE_RETURN_IF_ERROR(handler_->Update(SlicePath(ns, meta["name"]), object).status());
  }
  for (size_t i = 0; i < existing.size(); ++i) {
    if (used[i]) continue;
    auto deleted = handler_->Delete(SlicePath(ns, existing[i]["metadata"]["name"]));
    if (!deleted.ok() && apiserver::HttpCode(deleted.status()) != 404) return deleted.status();
  }
  return absl::OkStatus();
}

absl::Status EndpointSliceController::Resync() {
  all_dirty_ = true;
  return absl::OkStatus();
}

void EndpointSliceController::Observe(const store::Event& event) {
  const std::string& key = event.kv.key;
  auto [ns, name] = NamespaceAndName(key);
  if (absl::StartsWith(key, kServices)) {
    dirty_services_.insert({ns, name});
  } else if (absl::StartsWith(key, kPods)) {
    std::vector<json>& changed = changed_pod_labels_[ns];
    if (event.type == store::EventType::kPut)
      changed.push_back(Labels(json::parse(event.kv.value, nullptr, false)));
    if (event.prev_kv) changed.push_back(Labels(json::parse(event.prev_kv->value, nullptr, false)));
  } else if (absl::StartsWith(key, kNodes)) {
    all_dirty_ = true;
  } else {
    // A slice changed by someone else (or deleted): its Service is checked.
    const std::string& value = event.type == store::EventType::kPut
                                   ? event.kv.value
                                   : (event.prev_kv ? event.prev_kv->value : "");
    json slice = json::parse(value, nullptr, false);
    json labels = Labels(slice);
    if (labels.value(kManagedByLabel, "") == kManagedBy)
      dirty_services_.insert({ns, labels.value(kServiceNameLabel, "")});
  }
}

absl::Status EndpointSliceController::Flush() {
  if (all_dirty_) {
    // Every Service, and every Service that managed slices still name.
    SLUICE_ASSIGN_OR_RETURN(store::ListResult services, store_->List({.prefix = kServices}));
    for (const store::KeyValue& kv : services.kvs) dirty_services_.insert(NamespaceAndName(kv.key));
    SLUICE_ASSIGN_OR_RETURN(std::vector<json> slices, ListValues(slices_->KeyPrefix()));
    for (const json& slice : slices) {
      json labels = Labels(slice);
      if (labels.value(kManagedByLabel, "") == kManagedBy)
        dirty_services_.insert(
            {StringField(slice["metadata"], "namespace"), labels.value(kServiceNameLabel, "")});
    }
    all_dirty_ = false;
    changed_pod_labels_.clear();
  }
  for (auto it = changed_pod_labels_.begin(); it != changed_pod_labels_.end();) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<json> services,
                            ListValues(absl::StrCat(kServices, it->first, "/")));
    for (const json& service : services) {
      if (!ManagesSlices(service)) continue;
      for (const json& labels : it->second) {
        if (!SelectorMatches(service["spec"]["selector"], labels)) continue;
        dirty_services_.insert({it->first, StringField(service["metadata"], "name")});
        break;
      }
    }
    it = changed_pod_labels_.erase(it);
  }
  absl::Status first_error;
  Reads reads;
  for (auto it = dirty_services_.begin(); it != dirty_services_.end();) {
    absl::Status synced = Sync(it->first, it->second, &reads);
    if (synced.ok()) {
      it = dirty_services_.erase(it);
      continue;
    }
    if (first_error.ok())
      first_error = absl::Status(synced.code(), absl::StrCat("service ", it->first, "/", it->second,
                                                             ": ", synced.message()));
    ++it;
  }
  return first_error;
}

}  // namespace sluice::controllers
