#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {

using json = nlohmann::json;

std::string StringField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

std::vector<std::string> StringList(const json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return out;
  for (const json& v : object[key])
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> ClusterIps(const json& spec) {
  std::vector<std::string> ips = StringList(spec, "clusterIPs");
  std::string single = StringField(spec, "clusterIP");
  if (ips.empty() && !single.empty()) ips.push_back(single);
  return ips;
}

bool HasInt(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_number_integer();
}

std::vector<int64_t> NodePortsOf(const json& spec) {
  std::vector<int64_t> ports;
  if (spec.contains("ports") && spec["ports"].is_array())
    for (const json& p : spec["ports"])
      if (HasInt(p, "nodePort")) ports.push_back(p["nodePort"].get<int64_t>());
  if (HasInt(spec, "healthCheckNodePort"))
    ports.push_back(spec["healthCheckNodePort"].get<int64_t>());
  return ports;
}

bool NeedsClusterIp(const json& spec) {
  return StringField(spec, "type") != "ExternalName";
}

bool NeedsNodePorts(const json& spec) {
  std::string type = StringField(spec, "type");
  return type == "NodePort" || type == "LoadBalancer";
}

bool NeedsHealthCheckNodePort(const json& spec) {
  return StringField(spec, "type") == "LoadBalancer" &&
         StringField(spec, "externalTrafficPolicy") == "Local";
}

}  // namespace sluice::controllers
