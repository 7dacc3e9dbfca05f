#include "control/k8s/service_parser.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/k8s/common_fields.h"
#include "control/status_macros.h"

namespace sluice::k8s {
namespace {

constexpr int64_t kMaxPort = 65535;
// Kubernetes' limit for sessionAffinityConfig.clientIP.timeoutSeconds (one day).
constexpr int64_t kMaxAffinityTimeoutSeconds = 86400;
constexpr absl::string_view kClusterIpNone = "None";

absl::StatusOr<ServicePortSpec> ParsePort(const FieldReader& port) {
  ServicePortSpec spec;
  SLUICE_RETURN_IF_ERROR(port.ReadString("name", &spec.name));
  SLUICE_RETURN_IF_ERROR(ReadProtocol(port, "protocol", &spec.protocol));
  std::optional<uint16_t> number;
  SLUICE_RETURN_IF_ERROR(port.ReadInt("port", 1, kMaxPort, &number));
  if (!number.has_value()) return port.ErrorAt("port", "required");
  spec.port = *number;
  std::optional<std::variant<int64_t, std::string>> target;
  SLUICE_RETURN_IF_ERROR(port.ReadIntOrString("targetPort", 1, kMaxPort, &target));
  const auto* target_name = target.has_value() ? std::get_if<std::string>(&*target) : nullptr;
  if (!target.has_value() || (target_name != nullptr && target_name->empty())) {
    spec.target_port = spec.port;  // Kubernetes' default, for absent and ""
  } else if (const auto* target_number = std::get_if<int64_t>(&*target)) {
    spec.target_port = static_cast<uint16_t>(*target_number);
  } else {
    spec.target_port = *target_name;
  }
  SLUICE_RETURN_IF_ERROR(port.ReadInt("nodePort", 1, kMaxPort, &spec.node_port));
  return spec;
}

// Two ports with one name would become two dataplane services with one name;
// two with one port and protocol would claim the same frontend.
absl::Status CheckPortsDistinct(const FieldReader& spec,
                                const std::vector<ServicePortSpec>& ports) {
  for (size_t i = 0; i < ports.size(); ++i) {
    const std::string path = IndexPath(spec.PathOf("ports"), i);
    if (ports.size() > 1 && ports[i].name.empty()) {
      return FieldError(FieldPath(path, "name"), "required when the service has several ports");
    }
    for (size_t j = 0; j < i; ++j) {
      if (ports[i].name == ports[j].name) {
        return FieldError(
            FieldPath(path, "name"),
            absl::StrCat("\"", ports[i].name, "\" is already used by ports[", j, "]"));
      }
      if (ports[i].port == ports[j].port && ports[i].protocol == ports[j].protocol) {
        return FieldError(FieldPath(path, "port"),
                          absl::StrCat(ports[i].port, " is already used by ports[", j, "]"));
      }
      if (ports[i].node_port.has_value() && ports[i].node_port == ports[j].node_port &&
          ports[i].protocol == ports[j].protocol) {
        return FieldError(FieldPath(path, "nodePort"),
                          absl::StrCat(*ports[i].node_port, " is already used by ports[", j, "]"));
      }
    }
  }
  return absl::OkStatus();
}

// spec.clusterIP and spec.clusterIPs. Objects from before dual-stack (or
// written by hand) carry only clusterIP; when both are present the first
// clusterIPs entry must equal clusterIP, as the API server requires.
absl::Status ReadClusterIps(const FieldReader& spec, Service* service) {
  std::string single;
  SLUICE_RETURN_IF_ERROR(spec.ReadString("clusterIP", &single));
  if (!single.empty() && single != kClusterIpNone) {
    SLUICE_RETURN_IF_ERROR(ParseIpAt(single, spec.PathOf("clusterIP")).status());
  }
  std::vector<std::string> texts;
  SLUICE_RETURN_IF_ERROR(spec.ReadStringList("clusterIPs", &texts));
  std::string list_path = spec.PathOf("clusterIPs");
  if (texts.empty()) {
    if (single.empty()) return absl::OkStatus();
    texts.push_back(single);
    list_path.clear();
  } else if (!single.empty() && single != texts[0]) {
    // A malformed entry explains the mismatch better than the mismatch does.
    if (texts[0] != kClusterIpNone) {
      SLUICE_RETURN_IF_ERROR(ParseIpAt(texts[0], IndexPath(list_path, 0)).status());
    }
    return FieldError(
        IndexPath(list_path, 0),
        absl::StrCat("\"", texts[0], "\" does not match spec.clusterIP \"", single, "\""));
  }
  auto path_of = [&](size_t i) {
    return list_path.empty() ? spec.PathOf("clusterIP") : IndexPath(list_path, i);
  };
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i] == kClusterIpNone) {
      if (texts.size() > 1) return FieldError(path_of(i), "\"None\" must be the only entry");
      service->headless = true;
      return absl::OkStatus();
    }
    SLUICE_ASSIGN_OR_RETURN(IpAddress address, ParseIpAt(texts[i], path_of(i)));
    if (i == 1 && address.family() == service->cluster_ips[0].family()) {
      return FieldError(path_of(i), "must be of the other family than the first entry");
    }
    if (i == 2) return FieldError(list_path, "must hold at most one IPv4 and one IPv6 address");
    service->cluster_ips.push_back(address);
  }
  return absl::OkStatus();
}

absl::Status ReadIpFamilies(const FieldReader& spec, Service* service) {
  std::vector<std::string> texts;
  SLUICE_RETURN_IF_ERROR(spec.ReadStringList("ipFamilies", &texts));
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string path = IndexPath(spec.PathOf("ipFamilies"), i);
    IpFamily family = IpFamily::kV4;
    if (texts[i] == "IPv4") {
      family = IpFamily::kV4;
    } else if (texts[i] == "IPv6") {
      family = IpFamily::kV6;
    } else {
      return FieldError(path, absl::StrCat("\"", texts[i], "\" is not one of IPv4, IPv6"));
    }
    if (i == 1 && family == service->ip_families[0]) {
      return FieldError(path, "must differ from the first entry");
    }
    if (i == 2) return spec.ErrorAt("ipFamilies", "must hold at most two entries");
    if (i < service->cluster_ips.size() && service->cluster_ips[i].family() != family) {
      return FieldError(path, absl::StrCat("must match the family of spec.clusterIPs[", i, "]"));
    }
    service->ip_families.push_back(family);
  }
  return absl::OkStatus();
}

// "10.0.0.0/8". Like kube-proxy, surrounding spaces are tolerated and host
// bits may be set.
absl::StatusOr<IpPrefix> ParsePrefix(absl::string_view text, const std::string& path) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  const size_t slash = trimmed.find('/');
  const absl::Status invalid = FieldError(path, absl::StrCat("\"", text, "\" is not a valid CIDR"));
  if (slash == absl::string_view::npos) return invalid;
  absl::StatusOr<IpAddress> address = IpAddress::Parse(trimmed.substr(0, slash));
  uint32_t length = 0;
  if (!address.ok() || !absl::SimpleAtoi(trimmed.substr(slash + 1), &length)) return invalid;
  if (length > (address->is_v4() ? 32u : 128u)) return invalid;
  return IpPrefix{*address, static_cast<uint8_t>(length)};
}

absl::Status ReadSourceRanges(const FieldReader& spec, std::vector<IpPrefix>* out) {
  std::vector<std::string> texts;
  SLUICE_RETURN_IF_ERROR(spec.ReadStringList("loadBalancerSourceRanges", &texts));
  for (size_t i = 0; i < texts.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        IpPrefix prefix,
        ParsePrefix(texts[i], IndexPath(spec.PathOf("loadBalancerSourceRanges"), i)));
    out->push_back(prefix);
  }
  return absl::OkStatus();
}

absl::Status ReadAffinity(const FieldReader& spec, Service* service) {
  SLUICE_RETURN_IF_ERROR(ReadEnum<SessionAffinity>(
      spec, "sessionAffinity",
      {{"None", SessionAffinity::kNone}, {"ClientIP", SessionAffinity::kClientIP}},
      &service->session_affinity));
  SLUICE_ASSIGN_OR_RETURN(FieldReader config, spec.Child("sessionAffinityConfig"));
  SLUICE_ASSIGN_OR_RETURN(FieldReader client_ip, config.Child("clientIP"));
  std::optional<uint32_t> timeout;
  SLUICE_RETURN_IF_ERROR(
      client_ip.ReadInt("timeoutSeconds", 1, kMaxAffinityTimeoutSeconds, &timeout));
  if (timeout.has_value()) service->affinity_timeout_s = *timeout;
  return absl::OkStatus();
}

absl::Status ReadTrafficPolicies(const FieldReader& spec, Service* service) {
  // "Global" is the name externalTrafficPolicy: Cluster had before Kubernetes 1.21.
  SLUICE_RETURN_IF_ERROR(ReadEnum<TrafficPolicy>(spec, "externalTrafficPolicy",
                                                 {{"Cluster", TrafficPolicy::kCluster},
                                                  {"Local", TrafficPolicy::kLocal},
                                                  {"Global", TrafficPolicy::kCluster}},
                                                 &service->external_traffic_policy));
  return ReadEnum<TrafficPolicy>(
      spec, "internalTrafficPolicy",
      {{"Cluster", TrafficPolicy::kCluster}, {"Local", TrafficPolicy::kLocal}},
      &service->internal_traffic_policy);
}

absl::Status ReadLoadBalancerStatus(const FieldReader& object, Service* service) {
  SLUICE_ASSIGN_OR_RETURN(FieldReader status, object.Child("status"));
  SLUICE_ASSIGN_OR_RETURN(FieldReader load_balancer, status.Child("loadBalancer"));
  return load_balancer.ForEachObject("ingress", [&](const FieldReader& ingress) -> absl::Status {
    LoadBalancerIngress entry;
    std::string ip;
    SLUICE_RETURN_IF_ERROR(ingress.ReadString("ip", &ip));
    if (!ip.empty()) {
      SLUICE_ASSIGN_OR_RETURN(entry.ip, ParseIpAt(ip, ingress.PathOf("ip")));
    }
    SLUICE_RETURN_IF_ERROR(ingress.ReadString("hostname", &entry.hostname));
    SLUICE_RETURN_IF_ERROR(
        ReadEnum<bool>(ingress, "ipMode", {{"VIP", false}, {"Proxy", true}}, &entry.proxy_mode));
    service->load_balancer_ingress.push_back(std::move(entry));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<Service> ParseService(const FieldReader& object) {
  Service service;
  SLUICE_ASSIGN_OR_RETURN(service.metadata, ReadObjectMeta(object));
  SLUICE_ASSIGN_OR_RETURN(FieldReader spec, object.Child("spec"));
  SLUICE_RETURN_IF_ERROR(ReadEnum<ServiceType>(spec, "type",
                                               {{"ClusterIP", ServiceType::kClusterIP},
                                                {"NodePort", ServiceType::kNodePort},
                                                {"LoadBalancer", ServiceType::kLoadBalancer},
                                                {"ExternalName", ServiceType::kExternalName}},
                                               &service.type));
  SLUICE_RETURN_IF_ERROR(ReadClusterIps(spec, &service));
  SLUICE_RETURN_IF_ERROR(ReadIpFamilies(spec, &service));
  SLUICE_RETURN_IF_ERROR(spec.ForEachObject("ports", [&](const FieldReader& port) -> absl::Status {
    SLUICE_ASSIGN_OR_RETURN(ServicePortSpec parsed, ParsePort(port));
    service.ports.push_back(std::move(parsed));
    return absl::OkStatus();
  }));
  SLUICE_RETURN_IF_ERROR(CheckPortsDistinct(spec, service.ports));
  SLUICE_RETURN_IF_ERROR(ReadIpList(spec, "externalIPs", &service.external_ips));
  SLUICE_RETURN_IF_ERROR(ReadAffinity(spec, &service));
  SLUICE_RETURN_IF_ERROR(ReadTrafficPolicies(spec, &service));
  SLUICE_RETURN_IF_ERROR(ReadSourceRanges(spec, &service.load_balancer_source_ranges));
  SLUICE_RETURN_IF_ERROR(
      spec.ReadInt("healthCheckNodePort", 1, kMaxPort, &service.health_check_node_port));
  SLUICE_RETURN_IF_ERROR(spec.ReadString("trafficDistribution", &service.traffic_distribution));
  SLUICE_RETURN_IF_ERROR(spec.ReadString("externalName", &service.external_name));
  SLUICE_RETURN_IF_ERROR(ReadLoadBalancerStatus(object, &service));
  return service;
}

}  // namespace sluice::k8s
