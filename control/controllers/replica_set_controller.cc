#include "control/controllers/replica_set_controller.h"

#include <algorithm>
#include <tuple>

#include "control/apiserver/api_error.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using apiserver::ArrayAt;
using apiserver::IsBeingDeleted;
using apiserver::StringAt;

// Kubernetes' burstReplicas: the most Pods one sync creates or deletes.
constexpr int64_t kBurst = 500;

bool Ready(const json& pod) {
  for (const json& c : ArrayAt(pod, "/status/conditions"))
    if (StringAt(c, "/type", "") == "Ready") return StringAt(c, "/status", "") == "True";
  return false;
}

// Which Pod goes first when there are too many (Kubernetes' ActivePods
// order): unscheduled, then pending, then not ready, then the newest.
bool DeleteBefore(const json& a, const json& b) {
  auto rank = [](const json& pod) {
    std::string phase = StringAt(pod, "/status/phase", "Pending");
    int phase_rank = phase == "Pending" ? 0 : phase == "Running" ? 2 : 1;
    return std::make_tuple(!StringAt(pod, "/spec/nodeName", "").empty(), phase_rank, Ready(pod));
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  // RFC 3339 timestamps in UTC order as text as they do in time.
  return StringAt(a, "/metadata/creationTimestamp", "") >
         StringAt(b, "/metadata/creationTimestamp", "");
}

json PodFromTemplate(const apiserver::ResourceType& type, const json& rs) {
  json pod_meta = {{"generateName", StringAt(rs, "/metadata/name", "") + "-"},
                   {"ownerReferences", json::array({ControllerRef(type, rs)})}};
  json::json_pointer template_meta("/spec/template/metadata");
  if (rs.contains(template_meta) && rs.at(template_meta).is_object())
    for (const char* copied : {"labels", "annotations"})
      if (rs.at(template_meta).contains(copied)) pod_meta[copied] = rs.at(template_meta)[copied];
  json::json_pointer template_spec("/spec/template/spec");
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", pod_meta},
          {"spec", rs.contains(template_spec) ? rs.at(template_spec) : json::object()}};
}

}  // namespace

ReplicaSetController::ReplicaSetController(store::Store* store, apiserver::ResourceHandler* handler,
                                           const apiserver::ResourceRegistry* registry)
    : OwnerController(store, "replicaset-controller", registry->Find("apps", "v1", "replicasets"),
                      registry->Find("", "v1", "pods")),
      handler_(handler) {}

ReplicaSetController::~ReplicaSetController() {
  Stop();
}

absl::Status ReplicaSetController::Sync(const std::string& ns, const std::string& name) {
  apiserver::ResourcePath path{.type = owners_, .ns = ns, .name = name};
  auto got = handler_->Get(path);
  if (!got.ok()) return apiserver::HttpCode(got.status()) == 404 ? absl::OkStatus() : got.status();
  json rs = *std::move(got);
  // A ReplicaSet being deleted leaves its Pods to the garbage collector.
  if (IsBeingDeleted(rs)) return absl::OkStatus();
  std::string uid = StringAt(rs, "/metadata/uid", "");
  SLUICE_ASSIGN_OR_RETURN(json list, handler_->List({.type = controlled_, .ns = ns}, {}));
  std::vector<json> owned;
  for (json& pod : list["items"]) {
    std::string phase = StringAt(pod, "/status/phase", "");
    if (IsBeingDeleted(pod) || phase == "Succeeded" || phase == "Failed") continue;
    if (ControlledBy(pod, uid)) owned.push_back(std::move(pod));
  }
  int64_t wanted = apiserver::IntAt(rs, "/spec/replicas", 1);
  int64_t have = static_cast<int64_t>(owned.size());
  for (int64_t i = 0; i < std::min(wanted - have, kBurst); ++i)
    SLUICE_RETURN_IF_ERROR(
        handler_->Create({.type = controlled_, .ns = ns}, PodFromTemplate(*owners_, rs)).status());
  if (have > wanted) {
    std::sort(owned.begin(), owned.end(), DeleteBefore);
    for (int64_t i = 0; i < std::min(have - wanted, kBurst); ++i) {
      auto deleted = handler_->Delete(
          {.type = controlled_, .ns = ns, .name = StringAt(owned[i], "/metadata/name", "")});
      if (!deleted.ok() && apiserver::HttpCode(deleted.status()) != 404) return deleted.status();
    }
  }
  // As Kubernetes, the status counts the Pods this sync started from; the
  // writes above bring the ReplicaSet back for the next count.
  return WriteStatus(path, std::move(rs), owned);
}

absl::Status ReplicaSetController::WriteStatus(const apiserver::ResourcePath& path, json rs,
                                               const std::vector<json>& pods) {
  int64_t ready = std::count_if(pods.begin(), pods.end(), Ready);
  json status = {{"replicas", pods.size()},
                 {"observedGeneration", apiserver::IntAt(rs, "/metadata/generation", 1)}};
  // Zero counts are left out, as the API's omitempty leaves them.
  for (const char* field : {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"}) {
    int64_t n =
        std::string(field) == "fullyLabeledReplicas" ? static_cast<int64_t>(pods.size()) : ready;
    if (n > 0) status[field] = n;
  }
  if (rs.value("status", json()) == status) return absl::OkStatus();
  rs["status"] = status;
  apiserver::ResourcePath status_path = path;
  status_path.subresource = "status";
  auto updated = handler_->Update(status_path, std::move(rs));
  if (!updated.ok() && apiserver::HttpCode(updated.status()) != 404) return updated.status();
  return absl::OkStatus();
}

}  // namespace sluice::controllers
