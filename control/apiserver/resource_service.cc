// core/v1 Service: Kubernetes' defaults, the validation control/k8s already
// does for the dataplane, the immutable clusterIP, and kubectl's columns.
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"
#include "control/apiserver/service_network.h"
#include "control/controllers/allocators/allocation_store.h"
#include "control/controllers/allocators/service_allocator.h"
#include "control/k8s/endpoint_slice_parser.h"
#include "control/k8s/field_reader.h"
#include "control/k8s/service_parser.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// As pkg/apis/core/v1/defaults.go (SetDefaults_Service).
void DefaultService(json& o) {
  json& spec = ObjectField(o, "spec");
  if (!spec.contains("type") || spec["type"].is_null()) spec["type"] = "ClusterIP";
  if (!spec.contains("sessionAffinity") || spec["sessionAffinity"].is_null())
    spec["sessionAffinity"] = "None";
  if (spec["sessionAffinity"] == "ClientIP") {
    json& config = ObjectField(spec, "sessionAffinityConfig");
    json& client = ObjectField(config, "clientIP");
    if (!client.contains("timeoutSeconds")) client["timeoutSeconds"] = 10800;
  }
  bool external_name = spec["type"] == "ExternalName";
  if (!external_name &&
      (!spec.contains("internalTrafficPolicy") || spec["internalTrafficPolicy"].is_null()))
    spec["internalTrafficPolicy"] = "Cluster";
  if ((spec["type"] == "NodePort" || spec["type"] == "LoadBalancer") &&
      (!spec.contains("externalTrafficPolicy") || spec["externalTrafficPolicy"].is_null()))
    spec["externalTrafficPolicy"] = "Cluster";
  if (spec.contains("clusterIP") && spec["clusterIP"].is_string() &&
      !spec["clusterIP"].get<std::string>().empty() &&
      (!spec.contains("clusterIPs") || spec["clusterIPs"].empty()))
    spec["clusterIPs"] = json::array({spec["clusterIP"]});
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (json& port : spec["ports"]) {
      if (!port.is_object()) continue;
      if (!port.contains("protocol") || port["protocol"].is_null()) port["protocol"] = "TCP";
      if ((!port.contains("targetPort") || port["targetPort"].is_null()) && port.contains("port"))
        port["targetPort"] = port["port"];
    }
  }
  if (!o.contains("status") || !o["status"].is_object())
    o["status"] = {{"loadBalancer", json::object()}};
}

std::vector<StatusCause> ValidateService(const json& o, const json* old) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1035Label, &causes);
  auto reader = k8s::FieldReader::Create(JsonToYaml(o), "");
  if (!reader.ok()) {
    causes.push_back(CauseFromParseError(reader.status()));
    return causes;
  }
  if (auto parsed = k8s::ParseService(*reader); !parsed.ok())
    causes.push_back(CauseFromParseError(parsed.status()));
  std::string type = StringAt(o, "/spec/type", "ClusterIP");
  std::string cluster_ip = StringAt(o, "/spec/clusterIP", "");
  json::json_pointer ports("/spec/ports");
  bool has_ports = o.contains(ports) && o.at(ports).is_array() && !o.at(ports).empty();
  if (type != "ExternalName" && cluster_ip != "None" && !has_ports)
    causes.push_back({"FieldValueRequired", "Required value", "spec.ports"});
  if (type == "ExternalName" && StringAt(o, "/spec/externalName", "").empty())
    causes.push_back({"FieldValueRequired", "Required value", "spec.externalName"});
  if (old != nullptr) {
    std::string old_ip = StringAt(*old, "/spec/clusterIP", "");
    if (!old_ip.empty() && cluster_ip != old_ip && type != "ExternalName")
      causes.push_back({"FieldValueInvalid",
                        absl::StrCat("Invalid value: \"", cluster_ip, "\": field is immutable"),
                        "spec.clusterIPs[0]"});
  }
  return causes;
}

std::string ServicePorts(const json& o) {
  json::json_pointer p("/spec/ports");
  if (!o.contains(p) || !o.at(p).is_array() || o.at(p).empty()) return "<none>";
  std::vector<std::string> parts;
  for (const json& port : o.at(p)) {
    if (!port.is_object()) continue;
    std::string text = port.value("port", json(0)).dump();
    if (port.contains("nodePort") && port["nodePort"].is_number())
      absl::StrAppend(&text, ":", port["nodePort"].dump());
    absl::StrAppend(&text, "/", port.value("protocol", "TCP"));
    parts.push_back(text);
  }
  return absl::StrJoin(parts, ",");
}

// kubectl's printer: LB ingress and externalIPs, "<pending>" for a
// LoadBalancer without either, the name for ExternalName.
std::string ExternalIp(const json& o) {
  std::string type = StringAt(o, "/spec/type", "ClusterIP");
  if (type == "ExternalName") return StringAt(o, "/spec/externalName", "<none>");
  std::vector<std::string> ips;
  json::json_pointer ingress("/status/loadBalancer/ingress");
  if (type == "LoadBalancer" && o.contains(ingress) && o.at(ingress).is_array())
    for (const json& i : o.at(ingress)) {
      if (i.contains("ip"))
        ips.push_back(i.value("ip", ""));
      else if (i.contains("hostname"))
        ips.push_back(i.value("hostname", ""));
    }
  json::json_pointer external("/spec/externalIPs");
  if (o.contains(external) && o.at(external).is_array())
    for (const json& ip : o.at(external))
      if (ip.is_string()) ips.push_back(ip.get<std::string>());
  if (!ips.empty()) return absl::StrJoin(ips, ",");
  return type == "LoadBalancer" ? "<pending>" : "<none>";
}

std::string Selector(const json& o) {
  json::json_pointer p("/spec/selector");
  if (!o.contains(p) || !o.at(p).is_object() || o.at(p).empty()) return "<none>";
  std::vector<std::string> parts;
  for (const auto& [k, v] : o.at(p).items())
    parts.push_back(absl::StrCat(k, "=", v.is_string() ? v.get<std::string>() : v.dump()));
  return absl::StrJoin(parts, ",");
}

// ClusterIPs, NodePorts and healthCheckNodePort from control/controllers'
// allocator, on the server's record of what is in use (kept by the
// recording store the server writes through), with its field errors as one
// 422 like kube-apiserver's.
absl::StatusOr<controllers::Reservation> AllocateServiceAddresses(
    const controllers::ServiceAllocator& allocator, json& o, const json& old, store::Store& store,
    uint64_t start) {
  auto* recording = dynamic_cast<controllers::AllocationRecordingStore*>(&store);
  if (recording == nullptr)
    return absl::FailedPreconditionError("Services need a store that records their allocations");
  SLUICE_ASSIGN_OR_RETURN(controllers::Allocation allocation,
                          recording->Allocate(allocator, o, old, start));
  if (allocation.errors.empty()) return std::move(allocation.reservation);
  std::vector<StatusCause> causes;
  for (controllers::FieldError& e : allocation.errors)
    causes.push_back({std::move(e.reason), std::move(e.message), std::move(e.field)});
  return InvalidError({.group = "", .kind = "services", .name = StringAt(o, "/metadata/name", "")},
                      "Service", std::move(causes));
}

using AllocateHook = std::function<absl::StatusOr<controllers::Reservation>(
    json&, const json&, store::Store&, uint64_t)>;

AllocateHook Allocating(controllers::ServiceAllocator allocator) {
  auto shared = std::make_shared<const controllers::ServiceAllocator>(std::move(allocator));
  return [shared](json& o, const json& old, store::Store& store, uint64_t start) {
    return AllocateServiceAddresses(*shared, o, old, store, start);
  };
}

}  // namespace

ResourceType ServiceResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Service",
                 .plural = "services",
                 .singular = "service",
                 .namespaced = true,
                 .short_names = {"svc"},
                 .categories = {"all"}};
  t.apply_defaults = DefaultService;
  t.has_status = true;
  // Create drops a client's status (load balancer ingress is the controllers').
  t.initial_status = [](const json&) { return json{{"loadBalancer", json::object()}}; };
  // With the default Service CIDRs and node port range (UseServiceNetwork
  // sets others).
  t.allocate = Allocating(*controllers::ServiceAllocator::Create({}));
  // Clients that did not set clusterIP or nodePort (kubectl apply of a
  // hand-written file) keep the allocated ones; a type change drops what the
  // new type does not use.
  t.carry_over = controllers::CarryOverAllocations;
  t.validate = ValidateService;
  t.columns = {
      NameColumn(),
      {.name = "Type",
       .type = "string",
       .description = "The type of the service",
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/spec/type", "ClusterIP"); }},
      {.name = "Cluster-IP",
       .type = "string",
       .description = "The cluster IP",
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/spec/clusterIP", "<none>"); }},
      {.name = "External-IP",
       .type = "string",
       .description = "External addresses",
       .cell = [](const json& o, absl::Time) { return ExternalIp(o); }},
      {.name = "Port(s)",
       .type = "string",
       .description = "The ports of the service",
       .cell = [](const json& o, absl::Time) { return ServicePorts(o); }},
  };
  t.columns.push_back(AgeColumn());
  t.columns.push_back({.name = "Selector",
                       .type = "string",
                       .description = "The selector",
                       .priority = 1,
                       .cell = [](const json& o, absl::Time) { return Selector(o); }});
  return t;
}

ResourceType EndpointSliceResource() {
  ResourceType t{.group = "discovery.k8s.io",
                 .version = "v1",
                 .kind = "EndpointSlice",
                 .plural = "endpointslices",
                 .singular = "endpointslice",
                 .namespaced = true};
  t.apply_defaults = [](json& o) {
    // As the API's defaults: a port's protocol is TCP.
    if (o.contains("ports") && o["ports"].is_array())
      for (json& port : o["ports"])
        if (port.is_object() && (!port.contains("protocol") || port["protocol"].is_null()))
          port["protocol"] = "TCP";
  };
  t.validate = [](const json& o, const json*) {
    std::vector<StatusCause> causes;
    ValidateName(o, CheckDns1123Subdomain, &causes);
    if (StringAt(o, "/addressType", "").empty())
      causes.push_back({"FieldValueRequired", "Required value", "addressType"});
    auto reader = k8s::FieldReader::Create(JsonToYaml(o), "");
    if (!reader.ok()) {
      causes.push_back(CauseFromParseError(reader.status()));
    } else if (auto parsed = k8s::ParseEndpointSlice(*reader); !parsed.ok()) {
      causes.push_back(CauseFromParseError(parsed.status()));
    }
    return causes;
  };
  t.columns = {
      NameColumn(),
      {.name = "AddressType",
       .type = "string",
       .description = "The type of address",
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/addressType", ""); }},
      {.name = "Ports",
       .type = "string",
       .description = "The ports of the slice",
       .cell =
           [](const json& o, absl::Time) {
             std::vector<std::string> ports;
             if (o.contains("ports") && o["ports"].is_array())
               for (const json& p : o["ports"])
                 if (p.is_object() && p.contains("port")) ports.push_back(p["port"].dump());
             return json(ports.empty() ? "<unset>" : absl::StrJoin(ports, ","));
           }},
      {.name = "Endpoints",
       .type = "string",
       .description = "The first addresses",
       .cell =
           [](const json& o, absl::Time) {
             std::vector<std::string> addrs;
             size_t total = 0;
             if (o.contains("endpoints") && o["endpoints"].is_array())
               for (const json& e : o["endpoints"])
                 if (e.is_object() && e.contains("addresses") && e["addresses"].is_array())
                   for (const json& a : e["addresses"]) {
                     ++total;
                     if (addrs.size() < 3 && a.is_string()) addrs.push_back(a.get<std::string>());
                   }
             if (total == 0) return json("<unset>");
             std::string text = absl::StrJoin(addrs, ",");
             if (total > addrs.size())
               absl::StrAppend(&text, " + ", total - addrs.size(), " more...");
             return json(text);
           }},
      AgeColumn(),
  };
  return t;
}

absl::Status UseServiceNetwork(ResourceRegistry& registry,
                               const controllers::ServiceNetworkConfig& config) {
  auto allocator = controllers::ServiceAllocator::Create(config);
  if (!allocator.ok()) return allocator.status();
  ResourceType* services = registry.FindMutable("", "v1", "services");
  if (services == nullptr) return absl::FailedPreconditionError("services are not served");
  services->allocate = Allocating(*std::move(allocator));
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
