#include "control/controllers/endpoint_slices.h"

#include <algorithm>
#include <optional>

#include "control/controllers/allocators/ip_range.h"
#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

const json& Child(const json& object, const char* key) {
  static const json kNull;
  return object.is_object() && object.contains(key) ? object[key] : kNull;
}

bool PodReady(const json& pod) {
  const json& conditions = Child(Child(pod, "status"), "conditions");
  if (!conditions.is_array()) return false;
  for (const json& c : conditions)
    if (StringField(c, "type") == "Ready") return StringField(c, "status") == "True";
  return false;
}

// status.podIPs, or status.podIP from clients that set only that.
std::vector<std::string> PodIps(const json& pod) {
  std::vector<std::string> ips;
  const json& status = Child(pod, "status");
  const json& list = Child(status, "podIPs");
  if (list.is_array())
    for (const json& entry : list)
      if (!StringField(entry, "ip").empty()) ips.push_back(StringField(entry, "ip"));
  if (ips.empty() && !StringField(status, "podIP").empty())
    ips.push_back(StringField(status, "podIP"));
  return ips;
}

// A named targetPort is looked up among the Pod's container ports of the
// same protocol; a Pod without it has no endpoint for that port.
std::optional<int64_t> ResolveTargetPort(const json& service_port, const json& pod) {
  const json& target = Child(service_port, "targetPort");
  if (target.is_number_integer()) return target.get<int64_t>();
  if (target.is_null() && Child(service_port, "port").is_number_integer())
    return service_port["port"].get<int64_t>();
  if (!target.is_string()) return std::nullopt;
  std::string protocol = StringField(service_port, "protocol");
  if (protocol.empty()) protocol = "TCP";
  const json& containers = Child(Child(pod, "spec"), "containers");
  if (!containers.is_array()) return std::nullopt;
  for (const json& container : containers) {
    const json& ports = Child(container, "ports");
    if (!ports.is_array()) continue;
    for (const json& p : ports) {
      std::string p_protocol = StringField(p, "protocol");
      if (p_protocol.empty()) p_protocol = "TCP";
      if (StringField(p, "name") == target.get<std::string>() && p_protocol == protocol &&
          Child(p, "containerPort").is_number_integer())
        return p["containerPort"].get<int64_t>();
    }
  }
  return std::nullopt;
}

json EndpointPorts(const json& service, const json& pod) {
  json ports = json::array();
  const json& service_ports = Child(Child(service, "spec"), "ports");
  if (!service_ports.is_array()) return ports;
  for (const json& sp : service_ports) {
    std::optional<int64_t> number = ResolveTargetPort(sp, pod);
    if (!number) continue;
    json port = {{"name", StringField(sp, "name")},
                 {"port", *number},
                 {"protocol", StringField(sp, "protocol").empty() ? "TCP" : sp["protocol"]}};
    if (!StringField(sp, "appProtocol").empty()) port["appProtocol"] = sp["appProtocol"];
    ports.push_back(std::move(port));
  }
  return ports;
}

json Endpoint(const json& service, const json& pod, const std::string& ip,
              const std::map<std::string, std::string>& node_zones) {
  bool publish_not_ready = Child(Child(service, "spec"), "publishNotReadyAddresses") == true;
  bool serving = PodReady(pod);
  bool terminating = !Child(Child(pod, "metadata"), "deletionTimestamp").is_null();
  // A terminating Pod is never "ready" (for clients that know only that
  // condition), unless the Service publishes every address.
  bool ready = publish_not_ready || (serving && !terminating);
  const json& meta = Child(pod, "metadata");
  json endpoint = {
      {"addresses", json::array({ip})},
      {"conditions", {{"ready", ready}, {"serving", serving}, {"terminating", terminating}}},
      {"targetRef",
       {{"kind", "Pod"},
        {"namespace", StringField(meta, "namespace")},
        {"name", StringField(meta, "name")},
        {"uid", StringField(meta, "uid")}}}};
  // DNS names the Pod <hostname>.<service> when it asks for that subdomain.
  const json& pod_spec = Child(pod, "spec");
  if (!StringField(pod_spec, "hostname").empty() &&
      StringField(pod_spec, "subdomain") == StringField(Child(service, "metadata"), "name"))
    endpoint["hostname"] = pod_spec["hostname"];
  std::string node = StringField(Child(pod, "spec"), "nodeName");
  if (!node.empty()) {
    endpoint["nodeName"] = node;
    if (auto zone = node_zones.find(node); zone != node_zones.end() && !zone->second.empty())
      endpoint["zone"] = zone->second;
  }
  return endpoint;
}

}  // namespace

bool ManagesSlices(const json& service) {
  const json& spec = Child(service, "spec");
  const json& selector = Child(spec, "selector");
  return StringField(spec, "type") != "ExternalName" && selector.is_object() && !selector.empty();
}

bool SelectorMatches(const json& selector, const json& labels) {
  if (!selector.is_object() || !labels.is_object()) return false;
  for (const auto& [key, value] : selector.items())
    if (!labels.contains(key) || labels[key] != value) return false;
  return true;
}

std::vector<DesiredSlice> DesiredSlices(const json& service, const std::vector<json>& pods,
                                        const std::map<std::string, std::string>& node_zones,
                                        size_t max_per_slice) {
  std::vector<DesiredSlice> slices;
  if (!ManagesSlices(service) || max_per_slice == 0) return slices;
  const json& spec = service["spec"];
  std::vector<std::string> families = StringList(spec, "ipFamilies");
  if (families.empty()) families.push_back("IPv4");

  std::vector<const json*> selected;
  for (const json& pod : pods) {
    std::string phase = StringField(Child(pod, "status"), "phase");
    // Pods that ended (Succeeded, Failed) serve nothing any more.
    if (phase == "Succeeded" || phase == "Failed") continue;
    if (SelectorMatches(spec["selector"], Child(Child(pod, "metadata"), "labels")))
      selected.push_back(&pod);
  }
  std::sort(selected.begin(), selected.end(), [](const json* a, const json* b) {
    return StringField((*a)["metadata"], "name") < StringField((*b)["metadata"], "name");
  });

  for (const std::string& family : families) {
    // Groups by port set, in order of first appearance so that slices come
    // out the same on every run.
    std::vector<std::pair<json, json>> groups;  // ports, endpoints
    for (const json* pod : selected) {
      for (const std::string& text : PodIps(*pod)) {
        auto ip = IpAddress::Parse(text);
        if (!ip.ok() || FamilyName(ip->family()) != family) continue;
        json ports = EndpointPorts(service, *pod);
        auto group = std::find_if(groups.begin(), groups.end(),
                                  [&](const auto& g) { return g.first == ports; });
        if (group == groups.end())
          group = groups.insert(groups.end(), std::make_pair(ports, json::array()));
        group->second.push_back(Endpoint(service, *pod, ip->ToString(), node_zones));
        break;  // one address per family and Pod
      }
    }
    for (auto& [ports, endpoints] : groups) {
      for (size_t start = 0; start < endpoints.size(); start += max_per_slice) {
        DesiredSlice slice{.address_type = family, .ports = ports, .endpoints = json::array()};
        for (size_t i = start; i < std::min(endpoints.size(), start + max_per_slice); ++i)
          slice.endpoints.push_back(endpoints[i]);
        slices.push_back(std::move(slice));
      }
    }
  }
  return slices;
}

json SliceObject(const json& service, const DesiredSlice& slice) {
  const json& meta = Child(service, "metadata");
  json labels = Child(meta, "labels").is_object() ? meta["labels"] : json::object();
  labels[kServiceNameLabel] = StringField(meta, "name");
  labels[kManagedByLabel] = kManagedBy;
  if (StringField(Child(service, "spec"), "clusterIP") == "None")
    labels["service.kubernetes.io/headless"] = "";
  json object = {{"apiVersion", "discovery.k8s.io/v1"},
                 {"kind", "EndpointSlice"},
                 {"metadata",
                  {{"namespace", StringField(meta, "namespace")},
                   {"labels", labels},
                   {"ownerReferences", json::array({{{"apiVersion", "v1"},
                                                     {"kind", "Service"},
                                                     {"name", StringField(meta, "name")},
                                                     {"uid", StringField(meta, "uid")},
                                                     {"controller", true},
                                                     {"blockOwnerDeletion", true}}})}}},
                 {"addressType", slice.address_type},
                 {"endpoints", slice.endpoints}};
  if (!slice.ports.empty()) object["ports"] = slice.ports;
  return object;
}

json ManagedContent(const json& slice) {
  const json& meta = Child(slice, "metadata");
  return {{"labels", Child(meta, "labels")},
          {"ownerReferences", Child(meta, "ownerReferences")},
          {"addressType", Child(slice, "addressType")},
          {"ports",
           Child(slice, "ports").is_array() && !slice["ports"].empty() ? slice["ports"] : json()},
          {"endpoints", Child(slice, "endpoints")}};
}

}  // namespace sluice::controllers
