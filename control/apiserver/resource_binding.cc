// The binding subresource: how a scheduler assigns a Pod to a node. The Pod's
// spec is otherwise fixed, so this is the one write of spec.nodeName, and it
// happens once.
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// Sets PodScheduled True, replacing an earlier PodScheduled condition.
void SetScheduled(json& pod, const std::string& now) {
  json& status = ObjectField(pod, "status");
  json conditions = json::array();
  for (const json& c : ArrayAt(pod, "/status/conditions"))
    if (c.value("type", "") != "PodScheduled") conditions.push_back(c);
  conditions.push_back({{"type", "PodScheduled"},
                        {"status", "True"},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", now}});
  status["conditions"] = conditions;
}

}  // namespace

absl::Status ResourceHandler::Bind(const ResourcePath& path, const json& binding) {
  ErrorSubject subject = SubjectOf(*path.type, path.name);
  std::string kind = binding.value("kind", "");
  if (!kind.empty() && kind != "Binding")
    return BadRequestError(
        absl::StrCat("the object is a ", kind, "; this endpoint takes a Binding"));
  std::string name = StringAt(binding, "/metadata/name", path.name);
  if (name != path.name)
    return BadRequestError(absl::StrCat("the name of the binding (", name,
                                        ") does not match the name on the URL (", path.name, ")"));
  std::string node = StringAt(binding, "/target/name", "");
  std::vector<StatusCause> causes;
  if (node.empty())
    causes.push_back(Required("target.name"));
  else if (std::string err = CheckDns1123Subdomain(node); !err.empty())
    causes.push_back(Invalid("target.name", node, err));
  if (!causes.empty())
    return InvalidError({.kind = "bindings", .name = path.name}, "Binding", std::move(causes));
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
    SLUICE_ASSIGN_OR_RETURN(json pod, DecodeObject(*path.type, kv));
    std::string current = StringAt(pod, "/spec/nodeName", "");
    if (!current.empty())
      return ConflictError(subject, absl::StrCat("pod ", path.name,
                                                 " is already assigned to node \"", current, "\""));
    if (IsBeingDeleted(pod))
      return ConflictError(subject, absl::StrCat("pod ", path.name, " is being deleted"));
    pod["spec"]["nodeName"] = node;
    SetScheduled(pod, FormatTimestamp(clock_()));
    SLUICE_ASSIGN_OR_RETURN(store::WriteResult result,
                            store_->Update(kv.key, EncodeObject(pod), kv.mod_revision));
    if (result.succeeded) return absl::OkStatus();
    if (!result.kv) return NotFoundError(subject);
  }
}

}  // namespace sluice::apiserver
