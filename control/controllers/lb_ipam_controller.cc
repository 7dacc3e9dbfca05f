#include "control/controllers/lb_ipam_controller.h"

#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/service_json.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

constexpr char kServices[] = "/registry/services/";

bool IsOurs(const json& service) {
  const json& spec = service.contains("spec") ? service["spec"] : json::object();
  return StringField(spec, "type") == "LoadBalancer" &&
         StringField(spec, "loadBalancerClass").empty();
}

}  // namespace

LbIpamController::LbIpamController(store::Store* store, std::vector<LbPool> pools, Reporter report)
    : StoreController(store, "lb-ipam-controller", {kServices}),
      pools_(std::move(pools)),
      report_(std::move(report)) {}

LbIpamController::~LbIpamController() {
  Stop();
}

absl::Status LbIpamController::Resync() {
  SLUICE_ASSIGN_OR_RETURN(store::ListResult services, store_->List({.prefix = kServices}));
  for (const store::KeyValue& kv : services.kvs) dirty_.insert(kv.key);
  return absl::OkStatus();
}

void LbIpamController::Observe(const store::Event& event) {
  // Any change may free an address (a delete, a type change, a new request),
  // so the Services still waiting for one are looked at again.
  for (const auto& [key, reason] : reported_) dirty_.insert(key);
  if (event.type == store::EventType::kDelete) {
    reported_.erase(event.kv.key);
    return;
  }
  dirty_.insert(event.kv.key);
}

absl::Status LbIpamController::Flush() {
  if (dirty_.empty()) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(store::ListResult list, store_->List({.prefix = kServices}));
  std::map<std::string, std::pair<json, int64_t>> services;  // key -> value, mod revision
  std::map<std::string, std::string> in_use;                 // ip -> "ns/name"
  for (const store::KeyValue& kv : list.kvs) {
    json service = json::parse(kv.value, nullptr, false);
    if (!service.is_object()) continue;
    auto [ns, name] = NamespaceAndName(kv.key);
    if (IsOurs(service))
      for (const std::string& ip : IngressIps(service)) in_use[ip] = absl::StrCat(ns, "/", name);
    services[kv.key] = {std::move(service), kv.mod_revision};
  }
  absl::Status first_error;
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    auto found = services.find(*it);
    if (found == services.end()) {  // deleted: nothing holds its addresses any more
      it = dirty_.erase(it);
      continue;
    }
    json& service = found->second.first;
    std::vector<std::string> current = IngressIps(service);
    std::vector<std::string> ips;
    std::string why;
    if (IsOurs(service)) {
      std::map<std::string, std::string> others = in_use;
      for (const std::string& ip : current) others.erase(ip);
      LbChoice choice = ChooseLbIps(pools_, service, others);
      ips = choice.ips;
      why = choice.error;
    } else if (StringField(service["spec"], "type") == "LoadBalancer") {
      it = dirty_.erase(it);  // another implementation's
      continue;
    }
    if (!why.empty() && reported_[*it] != why) {
      report_(service, why);
      reported_[*it] = why;
    } else if (why.empty()) {
      reported_.erase(*it);
    }
    if (ips != current) {
      json ingress = json::array();
      for (const std::string& ip : ips) ingress.push_back({{"ip", ip}, {"ipMode", "VIP"}});
      if (!service.contains("status") || !service["status"].is_object())
        service["status"] = json::object();
      service["status"]["loadBalancer"] =
          ingress.empty() ? json::object() : json{{"ingress", ingress}};
      SLUICE_ASSIGN_OR_RETURN(store::WriteResult written,
                              store_->Update(*it, service.dump(), found->second.second));
      if (!written.succeeded) {
        // Changed since the list: its watch event is on its way, and the next
        // flush reads it again.
        if (first_error.ok()) first_error = absl::AbortedError(absl::StrCat(*it, ": conflict"));
        ++it;
        continue;
      }
      for (const std::string& ip : current) in_use.erase(ip);
      auto [ns, name] = NamespaceAndName(*it);
      for (const std::string& ip : ips) in_use[ip] = absl::StrCat(ns, "/", name);
    }
    it = dirty_.erase(it);
  }
  return first_error;
}

}  // namespace sluice::controllers
