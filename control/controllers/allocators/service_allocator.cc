#include "control/controllers/allocators/service_allocator.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {

using json = nlohmann::json;

absl::StatusOr<ServiceAllocator> ServiceAllocator::Create(const ServiceNetworkConfig& config) {
  ServiceAllocator allocator;
  if (config.cluster_ip_ranges.empty() || config.cluster_ip_ranges.size() > 2)
    return absl::InvalidArgumentError("service CIDRs: one or two (one per family) are needed");
  for (const std::string& text : config.cluster_ip_ranges) {
    auto range = IpRange::FromCidr(text, /*reserve_ends=*/true);
    if (!range.ok())
      return absl::InvalidArgumentError(absl::StrCat("service CIDR: ", range.status().message()));
    allocator.ranges_.push_back(*std::move(range));
  }
  if (allocator.ranges_.size() == 2 &&
      allocator.ranges_[0].family() == allocator.ranges_[1].family())
    return absl::InvalidArgumentError("service CIDRs: the two must be of different families");
  if (config.node_port_min < 1 || config.node_port_max > 65535 ||
      config.node_port_min > config.node_port_max)
    return absl::InvalidArgumentError(absl::StrCat("node port range ", config.node_port_min, "-",
                                                   config.node_port_max, " is not valid"));
  allocator.node_port_min_ = config.node_port_min;
  allocator.node_port_max_ = config.node_port_max;
  return allocator;
}

std::vector<FieldError> ServiceAllocator::Allocate(json& service, const InUse& in_use,
                                                   const json& stored, uint64_t start) const {
  const json& held = stored.is_object() && stored.contains("spec") ? stored["spec"] : json();
  if (!service.contains("spec") || !service["spec"].is_object()) service["spec"] = json::object();
  json& spec = service["spec"];
  std::vector<FieldError> errors;
  if (!NeedsClusterIp(spec)) {
    // An ExternalName is a DNS name only: no addresses, no families.
    if (!ClusterIps(spec).empty())
      errors.push_back({"FieldValueInvalid", "spec.clusterIPs",
                        "Invalid value: \"" + ClusterIps(spec)[0] +
                            "\": may not be set for ExternalName services"});
    spec.erase("ipFamilies");
    spec.erase("ipFamilyPolicy");
  } else {
    errors = AllocateClusterIps(spec, in_use, held, start);
  }
  std::vector<FieldError> port_errors = AllocateNodePorts(spec, in_use, held, start);
  errors.insert(errors.end(), port_errors.begin(), port_errors.end());
  return errors;
}

namespace {

bool Missing(const json& object, const char* key) {
  return !object.contains(key) || object[key].is_null() ||
         (object[key].is_string() && object[key].get<std::string>().empty()) ||
         (object[key].is_array() && object[key].empty()) ||
         (object[key].is_number() && object[key] == 0);
}

json Field(const json& object, const char* key) {
  return object.contains(key) ? object[key] : json();
}

json NodePortsByIndex(const json& spec) {
  json out = json::array();
  if (spec.contains("ports") && spec["ports"].is_array())
    for (const json& p : spec["ports"])
      out.push_back(p.is_object() ? Field(p, "nodePort") : json());
  return out;
}

}  // namespace

// pkg/registry/core/service/storage: patchAllocatedValues and
// dropTypeDependentFields.
void CarryOverAllocations(json& service, const json& old) {
  if (!service.contains("spec") || !service["spec"].is_object()) service["spec"] = json::object();
  json& spec = service["spec"];
  const json& old_spec = old.contains("spec") && old["spec"].is_object() ? old["spec"] : json();
  if (!old_spec.is_object()) return;

  if (NeedsClusterIp(old_spec) && NeedsClusterIp(spec)) {
    for (const char* field : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
      if (Missing(spec, field) && !Missing(old_spec, field)) spec[field] = old_spec[field];
    // A dual-stack Service set to SingleStack keeps its primary address and
    // releases the other, when the client left both in place.
    if (StringField(spec, "ipFamilyPolicy") == "SingleStack" &&
        StringField(old_spec, "ipFamilyPolicy") != "SingleStack" && ClusterIps(spec).size() == 2 &&
        ClusterIps(spec) == ClusterIps(old_spec)) {
      spec["clusterIPs"].erase(1);
      if (spec.contains("ipFamilies") && spec["ipFamilies"].is_array() &&
          spec["ipFamilies"].size() == 2)
        spec["ipFamilies"].erase(1);
    }
  } else if (NeedsClusterIp(old_spec)) {
    if (ClusterIps(spec) == ClusterIps(old_spec)) {
      spec.erase("clusterIP");
      spec.erase("clusterIPs");
    }
    for (const char* field : {"ipFamilies", "ipFamilyPolicy"})
      if (Field(spec, field) == Field(old_spec, field)) spec.erase(field);
  }

  if (NeedsNodePorts(old_spec) && NeedsNodePorts(spec) && spec.contains("ports") &&
      spec["ports"].is_array()) {
    // By port name, unless the new spec gives that node port to another port.
    std::map<std::string, json> by_name;
    if (old_spec.contains("ports") && old_spec["ports"].is_array())
      for (const json& p : old_spec["ports"])
        if (p.is_object() && !Missing(p, "nodePort"))
          by_name[StringField(p, "name")] = p["nodePort"];
    json taken = NodePortsByIndex(spec);
    for (json& p : spec["ports"]) {
      if (!p.is_object() || !Missing(p, "nodePort")) continue;
      auto it = by_name.find(StringField(p, "name"));
      if (it == by_name.end()) continue;
      bool used = false;
      for (const json& t : taken) used |= t == it->second;
      if (!used) p["nodePort"] = it->second;
    }
  } else if (NeedsNodePorts(old_spec) && !NeedsNodePorts(spec) &&
             NodePortsByIndex(spec) == NodePortsByIndex(old_spec) && spec.contains("ports") &&
             spec["ports"].is_array()) {
    for (json& p : spec["ports"])
      if (p.is_object()) p.erase("nodePort");
  }

  if (NeedsHealthCheckNodePort(old_spec) && NeedsHealthCheckNodePort(spec)) {
    if (Missing(spec, "healthCheckNodePort") && !Missing(old_spec, "healthCheckNodePort"))
      spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"];
  } else if (NeedsHealthCheckNodePort(old_spec) &&
             Field(spec, "healthCheckNodePort") == Field(old_spec, "healthCheckNodePort")) {
    spec.erase("healthCheckNodePort");
  }
}

}  // namespace sluice::controllers
