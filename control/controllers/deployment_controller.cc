#include "control/controllers/deployment_controller.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using apiserver::IntAt;
using apiserver::IsBeingDeleted;
using apiserver::StringAt;

constexpr char kHashLabel[] = "pod-template-hash";

// `object` at `pointer` with `label` set, made an object where missing.
void SetLabel(json& object, const char* pointer, const std::string& value) {
  json::json_pointer p(pointer);
  if (!object.contains(p) || !object.at(p).is_object()) object[p] = json::object();
  object[p][kHashLabel] = value;
}

absl::Status IgnoreNotFound(const absl::Status& status) {
  return status.ok() || apiserver::HttpCode(status) == 404 ? absl::OkStatus() : status;
}

}  // namespace

std::string PodTemplateHash(const json& pod_template) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : pod_template.dump()) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string text = absl::StrCat(hash), out;
  for (char c : text)
    out.push_back(kAlphabet[static_cast<unsigned char>(c) % (sizeof(kAlphabet) - 1)]);
  return out;
}

DeploymentController::DeploymentController(store::Store* store, apiserver::ResourceHandler* handler,
                                           const apiserver::ResourceRegistry* registry)
    : OwnerController(store, "deployment-controller", registry->Find("apps", "v1", "deployments"),
                      registry->Find("apps", "v1", "replicasets")),
      handler_(handler) {}

DeploymentController::~DeploymentController() {
  Stop();
}

absl::Status DeploymentController::CreateReplicaSet(const json& deployment,
                                                    const std::string& hash) {
  json spec = deployment["spec"];
  json rs_spec = {{"replicas", IntAt(deployment, "/spec/replicas", 1)},
                  {"selector", spec.value("selector", json::object())},
                  {"template", spec.value("template", json::object())}};
  if (spec.contains("minReadySeconds")) rs_spec["minReadySeconds"] = spec["minReadySeconds"];
  SetLabel(rs_spec, "/selector/matchLabels", hash);
  SetLabel(rs_spec, "/template/metadata/labels", hash);
  json rs = {{"apiVersion", controlled_->ApiVersion()},
             {"kind", controlled_->kind},
             {"metadata",
              {{"name", absl::StrCat(StringAt(deployment, "/metadata/name", ""), "-", hash)},
               {"labels", rs_spec["template"]["metadata"]["labels"]},
               {"ownerReferences", json::array({ControllerRef(*owners_, deployment)})}}},
             {"spec", rs_spec}};
  auto created = handler_->Create(
      {.type = controlled_, .ns = StringAt(deployment, "/metadata/namespace", "")}, std::move(rs));
  // A ReplicaSet of that name that is not ours is left alone (Kubernetes
  // would pick another name by a collision count).
  if (!created.ok() && apiserver::HttpCode(created.status()) != 409) return created.status();
  return absl::OkStatus();
}

absl::Status DeploymentController::Scale(const json& rs, int64_t replicas) {
  if (IntAt(rs, "/spec/replicas", 1) == replicas) return absl::OkStatus();
  json scaled = rs;
  scaled["spec"]["replicas"] = replicas;
  return IgnoreNotFound(handler_
                            ->Update({.type = controlled_,
                                      .ns = StringAt(rs, "/metadata/namespace", ""),
                                      .name = StringAt(rs, "/metadata/name", "")},
                                     std::move(scaled))
                            .status());
}

absl::Status DeploymentController::Sync(const std::string& ns, const std::string& name) {
  apiserver::ResourcePath path{.type = owners_, .ns = ns, .name = name};
  auto got = handler_->Get(path);
  if (!got.ok()) return IgnoreNotFound(got.status());
  json deployment = *std::move(got);
  // Being deleted: its ReplicaSets are the garbage collector's.
  if (IsBeingDeleted(deployment)) return absl::OkStatus();
  std::string uid = StringAt(deployment, "/metadata/uid", "");
  std::string hash = PodTemplateHash(deployment["spec"].value("template", json::object()));
  SLUICE_ASSIGN_OR_RETURN(json list, handler_->List({.type = controlled_, .ns = ns}, {}));
  std::vector<json> owned;
  bool have_current = false;
  for (json& rs : list["items"]) {
    if (IsBeingDeleted(rs) || !ControlledBy(rs, uid)) continue;
    bool current = StringAt(rs, "/metadata/labels/pod-template-hash", "") == hash;
    have_current = have_current || current;
    SLUICE_RETURN_IF_ERROR(Scale(rs, current ? IntAt(deployment, "/spec/replicas", 1) : 0));
    owned.push_back(std::move(rs));
  }
  if (!have_current) SLUICE_RETURN_IF_ERROR(CreateReplicaSet(deployment, hash));
  return WriteStatus(path, std::move(deployment), owned, hash);
}

absl::Status DeploymentController::WriteStatus(const apiserver::ResourcePath& path, json deployment,
                                               const std::vector<json>& owned,
                                               const std::string& hash) {
  int64_t replicas = 0, updated = 0, ready = 0, available = 0;
  for (const json& rs : owned) {
    replicas += IntAt(rs, "/status/replicas", 0);
    ready += IntAt(rs, "/status/readyReplicas", 0);
    available += IntAt(rs, "/status/availableReplicas", 0);
    if (StringAt(rs, "/metadata/labels/pod-template-hash", "") == hash)
      updated += IntAt(rs, "/status/replicas", 0);
  }
  json status = {{"observedGeneration", IntAt(deployment, "/metadata/generation", 1)}};
  int64_t unavailable = IntAt(deployment, "/spec/replicas", 1) - available;
  // Zero counts are left out, as the API's omitempty leaves them.
  for (auto [field, n] :
       std::initializer_list<std::pair<const char*, int64_t>>{{"replicas", replicas},
                                                              {"updatedReplicas", updated},
                                                              {"readyReplicas", ready},
                                                              {"availableReplicas", available},
                                                              {"unavailableReplicas", unavailable}})
    if (n > 0) status[field] = n;
  if (deployment.value("status", json()) == status) return absl::OkStatus();
  deployment["status"] = status;
  apiserver::ResourcePath status_path = path;
  status_path.subresource = "status";
  return IgnoreNotFound(handler_->Update(status_path, std::move(deployment)).status());
}

}  // namespace sluice::controllers
