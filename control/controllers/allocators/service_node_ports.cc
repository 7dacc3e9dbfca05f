// NodePorts and the healthCheckNodePort, one port space for both, as
// kube-apiserver's portallocator (--service-node-port-range).
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/range_allocator.h"
#include "control/controllers/allocators/service_allocator.h"
#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {

using json = nlohmann::json;

std::vector<FieldError> ServiceAllocator::AllocateNodePorts(json& spec, const InUse& in_use,
                                                            const json& held,
                                                            uint64_t start) const {
  std::vector<FieldError> errors;
  uint64_t size = static_cast<uint64_t>(node_port_max_ - node_port_min_ + 1);
  // This Service's picks go to an overlay of what others hold.
  RangeAllocator allocator(size, RangeAllocator::DefaultStaticBand(size), in_use.node_ports);
  std::string range = absl::StrCat(node_port_min_, "-", node_port_max_);
  std::string type = StringField(spec, "type");
  // A requested port: in range and free. This Service may use one port for
  // several protocols (DNS on 53/UDP and 53/TCP), so its own are not conflicts.
  std::set<int64_t> own;
  std::set<int64_t> kept;
  if (held.is_object())
    for (int64_t port : NodePortsOf(held)) kept.insert(port);
  auto claim = [&](int64_t port, std::string field) {
    if (own.contains(port)) return;
    if (kept.contains(port)) {
      if (port >= node_port_min_ && port <= node_port_max_)
        allocator.MarkUsed(static_cast<uint64_t>(port - node_port_min_));
      own.insert(port);
      return;
    }
    if (port < node_port_min_ || port > node_port_max_) {
      errors.push_back({"FieldValueInvalid", std::move(field),
                        absl::StrCat("Invalid value: ", port,
                                     ": provided port is not in the valid range. The range of "
                                     "valid ports is ",
                                     range)});
    } else if (allocator.IsUsed(static_cast<uint64_t>(port - node_port_min_))) {
      errors.push_back(
          {"FieldValueInvalid", std::move(field),
           absl::StrCat("Invalid value: ", port, ": provided port is already allocated")});
    } else {
      allocator.MarkUsed(static_cast<uint64_t>(port - node_port_min_));
      own.insert(port);
    }
  };
  auto next = [&](std::string field) -> int64_t {
    std::optional<uint64_t> offset = allocator.AllocateNext(start);
    if (!offset) {
      errors.push_back({"FieldValueInvalid", std::move(field),
                        absl::StrCat("Internal error: failed to allocate a nodePort: range ", range,
                                     " is full")});
      return 0;
    }
    int64_t port = node_port_min_ + static_cast<int64_t>(*offset);
    own.insert(port);
    return port;
  };

  bool node_ports = NeedsNodePorts(spec);
  // allocateLoadBalancerNodePorts: false leaves a LoadBalancer's ports
  // without node ports unless asked for.
  bool automatic = type == "NodePort" ||
                   (type == "LoadBalancer" && !(spec.contains("allocateLoadBalancerNodePorts") &&
                                                spec["allocateLoadBalancerNodePorts"] == false));
  if (spec.contains("ports") && spec["ports"].is_array()) {
    json& ports = spec["ports"];
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!HasInt(ports[i], "nodePort")) continue;
      std::string field = absl::StrCat("spec.ports[", i, "].nodePort");
      if (!node_ports) {
        errors.push_back({"FieldValueForbidden", field,
                          absl::StrCat("Forbidden: may not be used when `type` is '", type, "'")});
        continue;
      }
      claim(ports[i]["nodePort"].get<int64_t>(), field);
    }
    // Ports of one number (several protocols) share one node port, as
    // Kubernetes gives them.
    std::map<int64_t, int64_t> by_port;
    for (const json& p : ports)
      if (HasInt(p, "nodePort") && HasInt(p, "port"))
        by_port.emplace(p["port"].get<int64_t>(), p["nodePort"].get<int64_t>());
    for (size_t i = 0; automatic && i < ports.size(); ++i) {
      if (!ports[i].is_object() || HasInt(ports[i], "nodePort")) continue;
      int64_t number = HasInt(ports[i], "port") ? ports[i]["port"].get<int64_t>() : -1;
      auto shared = by_port.find(number);
      int64_t port = shared != by_port.end() ? shared->second
                                             : next(absl::StrCat("spec.ports[", i, "].nodePort"));
      if (port == 0) continue;
      ports[i]["nodePort"] = port;
      by_port.emplace(number, port);
    }
  }

  if (HasInt(spec, "healthCheckNodePort") && !NeedsHealthCheckNodePort(spec)) {
    errors.push_back({"FieldValueInvalid", "spec.healthCheckNodePort",
                      absl::StrCat("Invalid value: ", spec["healthCheckNodePort"].dump(),
                                   ": may only be set when `type` is 'LoadBalancer' and "
                                   "`externalTrafficPolicy` is 'Local'")});
  } else if (HasInt(spec, "healthCheckNodePort")) {
    claim(spec["healthCheckNodePort"].get<int64_t>(), "spec.healthCheckNodePort");
  } else if (NeedsHealthCheckNodePort(spec)) {
    if (int64_t port = next("spec.healthCheckNodePort"); port != 0)
      spec["healthCheckNodePort"] = port;
  }
  return errors;
}

}  // namespace sluice::controllers
