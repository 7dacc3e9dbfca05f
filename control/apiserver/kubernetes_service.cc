#include "control/apiserver/kubernetes_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/ip_range.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kName[] = "kubernetes";
constexpr char kNamespace[] = "default";

json ServiceSpec(const std::string& cluster_ip, uint16_t port) {
  return {
      {"type", "ClusterIP"},
      {"clusterIP", cluster_ip},
      {"clusterIPs", {cluster_ip}},
      {"sessionAffinity", "None"},
      {"ports", {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", port}}}}};
}

json SliceFields(const std::string& address, uint16_t port) {
  return {{"addressType", absl::StrContains(address, ':') ? "IPv6" : "IPv4"},
          {"endpoints", {{{"addresses", {address}}, {"conditions", {{"ready", true}}}}}},
          {"ports", {{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}}}};
}

// Creates the object, or makes the stored one carry `fields` (top-level
// members; "spec" is merged one level down) and `labels`.
absl::Status Reconcile(ResourceHandler& resources, const ResourcePath& path, const json& labels,
                       const json& fields) {
  auto stored = resources.Get(path);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  if (!stored.ok()) {
    json object = fields;
    object["metadata"] = {{"name", path.name}, {"namespace", path.ns}, {"labels", labels}};
    return resources.Create(path, std::move(object)).status();
  }
  json object = *stored;
  for (const auto& [key, value] : labels.items()) object["metadata"]["labels"][key] = value;
  for (const auto& [key, value] : fields.items()) {
    if (key == "spec") {
      for (const auto& [field, v] : value.items()) object["spec"][field] = v;
    } else {
      object[key] = value;
    }
  }
  // No write when nothing changed; the handler's no-op rule would also keep
  // the resourceVersion, but this keeps the start quiet.
  if (object == *stored) return absl::OkStatus();
  return resources.Update(path, std::move(object)).status();
}

}  // namespace

absl::StatusOr<std::string> KubernetesServiceIp(const controllers::ServiceNetworkConfig& network) {
  if (network.cluster_ip_ranges.empty())
    return absl::InvalidArgumentError("no Service cluster IP range");
  SLUICE_ASSIGN_OR_RETURN(controllers::IpRange range,
                          controllers::IpRange::FromCidr(network.cluster_ip_ranges.front(),
                                                         /*reserve_ends=*/true));
  return range.At(0).ToString();
}

absl::Status EnsureKubernetesService(ResourceHandler& resources, const ResourceRegistry& registry,
                                     const std::string& cluster_ip, const std::string& address,
                                     uint16_t port) {
  ResourcePath service{
      .type = registry.Find("", "v1", "services"), .ns = kNamespace, .name = kName};
  ResourcePath slice{.type = registry.Find("discovery.k8s.io", "v1", "endpointslices"),
                     .ns = kNamespace,
                     .name = kName};
  if (service.type == nullptr || slice.type == nullptr)
    return absl::InternalError("services and endpointslices must be served");
  // The clusterIP cannot change in place: a Service made with another one
  // (a store from before this Service existed) is made again.
  if (auto stored = resources.Get(service); stored.ok()) {
    std::string ip = stored->value(json::json_pointer("/spec/clusterIP"), "");
    if (ip != cluster_ip) SLUICE_RETURN_IF_ERROR(resources.Delete(service).status());
  }
  json service_labels = {{"component", "apiserver"}, {"provider", "kubernetes"}};
  if (auto s =
          Reconcile(resources, service, service_labels, {{"spec", ServiceSpec(cluster_ip, port)}});
      !s.ok())
    return absl::Status(s.code(), absl::StrCat("the kubernetes Service: ", s.message()));
  json slice_labels = {{"kubernetes.io/service-name", kName}};
  if (auto s = Reconcile(resources, slice, slice_labels, SliceFields(address, port)); !s.ok())
    return absl::Status(s.code(), absl::StrCat("the kubernetes EndpointSlice: ", s.message()));
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
