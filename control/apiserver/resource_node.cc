// core/v1 Node: cluster-scoped, registered by the node agent with its status
// (which create keeps), and kubectl's STATUS/ROLES/VERSION columns.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kRolePrefix[] = "node-role.kubernetes.io/";

// Ready, NotReady or Unknown from the Ready condition; SchedulingDisabled
// added for a cordoned node.
std::string NodeStatus(const json& o) {
  std::string status = "Unknown";
  for (const json& c : ArrayAt(o, "/status/conditions"))
    if (c.value("type", "") == "Ready") {
      std::string value = c.value("status", "");
      status = value == "True" ? "Ready" : value == "False" ? "NotReady" : "Unknown";
    }
  if (o.contains(json::json_pointer("/spec/unschedulable")) &&
      o.at(json::json_pointer("/spec/unschedulable")) == true)
    absl::StrAppend(&status, ",SchedulingDisabled");
  return status;
}

// Roles from node-role.kubernetes.io/<role> labels and the older
// kubernetes.io/role, sorted, as kubectl's findNodeRoles.
std::string NodeRoles(const json& o) {
  std::vector<std::string> roles;
  json::json_pointer p("/metadata/labels");
  if (o.contains(p) && o.at(p).is_object())
    for (const auto& [k, v] : o.at(p).items()) {
      if (absl::StartsWith(k, kRolePrefix) && k.size() > sizeof(kRolePrefix) - 1)
        roles.push_back(k.substr(sizeof(kRolePrefix) - 1));
      else if (k == "kubernetes.io/role" && v.is_string() && !v.get<std::string>().empty())
        roles.push_back(v.get<std::string>());
    }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles.empty() ? "<none>" : absl::StrJoin(roles, ",");
}

std::string Address(const json& o, const std::string& type) {
  for (const json& a : ArrayAt(o, "/status/addresses"))
    if (a.value("type", "") == type) return a.value("address", "<none>");
  return "<none>";
}

std::vector<StatusCause> ValidateNode(const json& o, const json*) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1123Subdomain, &causes);
  const json& taints = ArrayAt(o, "/spec/taints");
  for (size_t i = 0; i < taints.size(); ++i) {
    std::string at = absl::StrCat("spec.taints[", i, "]");
    if (StringAt(taints[i], "/key", "").empty()) causes.push_back(Required(at + ".key"));
    std::string effect = StringAt(taints[i], "/effect", "");
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
      causes.push_back(
          NotSupported(at + ".effect", effect, {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
  }
  const json& addresses = ArrayAt(o, "/status/addresses");
  for (size_t i = 0; i < addresses.size(); ++i)
    if (StringAt(addresses[i], "/address", "").empty())
      causes.push_back(Required(absl::StrCat("status.addresses[", i, "].address")));
  return causes;
}

TableColumn NodeInfoColumn(const char* name, const char* field, const char* description) {
  std::string pointer = absl::StrCat("/status/nodeInfo/", field);
  return {.name = name,
          .type = "string",
          .description = description,
          .priority = 1,
          .cell = [pointer](const json& o, absl::Time) {
            std::string v = StringAt(o, pointer.c_str(), "");
            return v.empty() ? "<unknown>" : v;
          }};
}

}  // namespace

ResourceType NodeResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Node",
                 .plural = "nodes",
                 .singular = "node",
                 .namespaced = false,
                 .short_names = {"no"}};
  t.has_status = true;
  t.field_selectors = {"spec.unschedulable"};
  t.apply_defaults = [](json& o) {
    // As SetDefaults_NodeStatus: allocatable is the capacity unless reported.
    json& status = ObjectField(o, "status");
    if (status.contains("capacity") && status["capacity"].is_object())
      SetDefault(status, "allocatable", status["capacity"]);
  };
  t.validate = ValidateNode;
  t.columns = {
      NameColumn(),
      {.name = "Status",
       .type = "string",
       .description = "The status of the node",
       .cell = [](const json& o, absl::Time) { return NodeStatus(o); }},
      {.name = "Roles",
       .type = "string",
       .description = "The roles of the node",
       .cell = [](const json& o, absl::Time) { return NodeRoles(o); }},
      AgeColumn(),
      {.name = "Version",
       .type = "string",
       .description = "Kubelet Version reported by the node.",
       .cell = [](const json& o,
                  absl::Time) { return StringAt(o, "/status/nodeInfo/kubeletVersion", ""); }},
      {.name = "Internal-IP",
       .type = "string",
       .description = "List of internal IPs in the node.",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return Address(o, "InternalIP"); }},
      {.name = "External-IP",
       .type = "string",
       .description = "List of external IPs in the node.",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return Address(o, "ExternalIP"); }},
      NodeInfoColumn("OS-Image", "osImage", "OS image reported by the node."),
      NodeInfoColumn("Kernel-Version", "kernelVersion", "Kernel version reported by the node."),
      NodeInfoColumn("Container-Runtime", "containerRuntimeVersion",
                     "Container runtime version reported by the node."),
  };
  return t;
}

}  // namespace sluice::apiserver
