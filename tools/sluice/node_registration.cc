#include "tools/sluice/node_registration.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "control/apiserver/resources.h"

namespace sluice {
namespace {

using json = nlohmann::json;

// GOARCH's names, as kubelet reports them.
constexpr char kArchitecture[] =
#if defined(__x86_64__)
    "amd64";
#elif defined(__aarch64__)
    "arm64";
#else
    "unknown";
#endif

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

json NodeStatus(const NodeLayout& node, const std::string& ready, const std::string& reason,
                const std::string& message) {
  std::string now = Now();
  return {{"addresses",
           {{{"type", "InternalIP"}, {"address", node.node_address}},
            {{"type", "Hostname"}, {"address", node.node_name}}}},
          {"conditions",
           {{{"type", "Ready"},
             {"status", ready},
             {"reason", reason},
             {"message", message},
             {"lastHeartbeatTime", now},
             {"lastTransitionTime", now}}}},
          {"nodeInfo",
           {{"kubeProxyVersion", std::string("sluice ") + SLUICE_VERSION},
            {"kubeletVersion", std::string("sluice ") + SLUICE_VERSION},
            {"operatingSystem", "linux"},
            {"architecture", kArchitecture}}}};
}

}  // namespace

NodeRegistration::NodeRegistration(store::Store* store)
    : registry_(apiserver::DefaultRegistry()),
      handler_(store, &registry_),
      nodes_(registry_.Find("", "v1", "nodes")) {}

absl::Status NodeRegistration::Register(const NodeLayout& node, const std::string& ready,
                                        const std::string& reason, const std::string& message) {
  apiserver::ResourcePath path{.type = nodes_, .name = node.node_name};
  json status = NodeStatus(node, ready, reason, message);
  auto old = handler_.Get(path);
  if (absl::IsNotFound(old.status())) {
    json object = {
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata",
         {{"name", node.node_name},
          {"labels", {{"kubernetes.io/hostname", node.node_name}, {"kubernetes.io/os", "linux"}}}}},
        {"spec", {{"podCIDR", node.pod_cidr}, {"podCIDRs", {node.pod_cidr}}}},
        {"status", status}};
    return handler_.Create(path, std::move(object), {.field_manager = "sluice-up"}).status();
  }
  if (!old.ok()) return old.status();
  json object = *std::move(old);
  object["status"] = status;
  path.subresource = "status";
  return handler_.Update(path, std::move(object), {.field_manager = "sluice-up"}).status();
}

}  // namespace sluice
