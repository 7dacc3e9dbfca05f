// apps/v1 Deployment and ReplicaSet: Kubernetes' defaults (replicas 1, the
// 25%/25% rolling update, history and progress limits), a selector that must
// match the template and never changes, and kubectl's columns.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/pod_spec.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

void DefaultTemplate(json& spec) {
  SetDefault(spec, "replicas", 1);
  json& tmpl = ObjectField(spec, "template");
  DefaultPodSpec(ObjectField(tmpl, "spec"));
}

// As SetDefaults_Deployment (apps/v1).
void DefaultDeployment(json& o) {
  json& spec = ObjectField(o, "spec");
  DefaultTemplate(spec);
  json& strategy = ObjectField(spec, "strategy");
  SetDefault(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") {
    json& rolling = ObjectField(strategy, "rollingUpdate");
    SetDefault(rolling, "maxUnavailable", "25%");
    SetDefault(rolling, "maxSurge", "25%");
  }
  SetDefault(spec, "revisionHistoryLimit", 10);
  SetDefault(spec, "progressDeadlineSeconds", 600);
}

// An IntOrString of a rolling update: a count >= 0 or a percentage; its
// value as a count (percentages by their number, enough to compare with 0).
bool IntOrPercent(const json& v, int64_t* value) {
  if (v.is_number_integer()) {
    *value = v.get<int64_t>();
    return *value >= 0;
  }
  if (!v.is_string()) return false;
  std::string s = v.get<std::string>();
  if (!absl::EndsWith(s, "%")) return false;
  return absl::SimpleAtoi(s.substr(0, s.size() - 1), value) && *value >= 0 && *value <= 100;
}

void ValidateStrategy(const json& spec, std::vector<StatusCause>* causes) {
  if (!spec.contains("strategy") || !spec["strategy"].is_object()) return;
  const json& strategy = spec["strategy"];
  std::string type = StringAt(strategy, "/type", "RollingUpdate");
  bool has_rolling = strategy.contains("rollingUpdate") && !strategy["rollingUpdate"].is_null();
  if (type == "Recreate") {
    if (has_rolling)
      causes->push_back({"FieldValueForbidden",
                         "Forbidden: may not be specified when strategy `type` is 'Recreate'",
                         "spec.strategy.rollingUpdate"});
    return;
  }
  if (type != "RollingUpdate") {
    causes->push_back(NotSupported("spec.strategy.type", type, {"Recreate", "RollingUpdate"}));
    return;
  }
  if (!has_rolling) return;
  int64_t unavailable = 1, surge = 1;
  for (const char* field : {"maxUnavailable", "maxSurge"}) {
    json v = strategy["rollingUpdate"].value(field, json());
    if (v.is_null()) continue;
    int64_t* out = std::string(field) == "maxSurge" ? &surge : &unavailable;
    if (!IntOrPercent(v, out))
      causes->push_back(Invalid(absl::StrCat("spec.strategy.rollingUpdate.", field), v,
                                "must be a non-negative integer or a percentage"));
  }
  if (unavailable == 0 && surge == 0)
    causes->push_back(Invalid("spec.strategy.rollingUpdate.maxUnavailable", 0,
                              "may not be 0 when `maxSurge` is 0"));
}

// Shared by both kinds: name, selector against template, the template's pod
// spec (restartPolicy Always only), counts, and the immutable selector.
void ValidateWorkload(const json& o, const json* old, std::vector<StatusCause>* causes) {
  ValidateName(o, CheckDns1123Subdomain, causes);
  json spec = o.value("spec", json::object());
  ValidateWorkloadSelector(spec, causes);
  CheckNonNegative(spec, "/replicas", "spec.replicas", causes);
  CheckNonNegative(spec, "/minReadySeconds", "spec.minReadySeconds", causes);
  json pod_spec = spec.contains(json::json_pointer("/template/spec"))
                      ? spec.at(json::json_pointer("/template/spec"))
                      : json();
  ValidatePodSpec(pod_spec, "spec.template.spec", causes);
  std::string restart = StringAt(pod_spec, "/restartPolicy", "Always");
  if (restart != "Always")
    causes->push_back(NotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
  if (old != nullptr) CheckImmutable(o, *old, "/spec/selector", "spec.selector", causes);
}

std::vector<StatusCause> ValidateDeployment(const json& o, const json* old) {
  std::vector<StatusCause> causes;
  ValidateWorkload(o, old, &causes);
  json spec = o.value("spec", json::object());
  ValidateStrategy(spec, &causes);
  CheckNonNegative(spec, "/revisionHistoryLimit", "spec.revisionHistoryLimit", &causes);
  if (spec.contains("progressDeadlineSeconds") && spec["progressDeadlineSeconds"].is_number()) {
    int64_t deadline = IntAt(spec, "/progressDeadlineSeconds", 0);
    if (deadline <= IntAt(spec, "/minReadySeconds", 0))
      causes.push_back(Invalid("spec.progressDeadlineSeconds", deadline,
                               "must be greater than minReadySeconds"));
  }
  return causes;
}

std::vector<StatusCause> ValidateReplicaSet(const json& o, const json* old) {
  std::vector<StatusCause> causes;
  ValidateWorkload(o, old, &causes);
  return causes;
}

TableColumn Count(const char* name, const char* pointer, const char* description) {
  return {.name = name,
          .type = "integer",
          .description = description,
          .cell = [pointer](const json& o, absl::Time) { return json(IntAt(o, pointer, 0)); }};
}

// CONTAINERS, IMAGES and SELECTOR of -o wide.
void AddWideColumns(std::vector<TableColumn>* columns) {
  auto joined = [](const char* field) {
    return [field](const json& o, absl::Time) {
      std::vector<std::string> parts;
      for (const json& c : ArrayAt(o, "/spec/template/spec/containers"))
        parts.push_back(StringAt(c, field, ""));
      return absl::StrJoin(parts, ",");
    };
  };
  columns->push_back({.name = "Containers",
                      .type = "string",
                      .description = "Names of each container in the template.",
                      .priority = 1,
                      .cell = joined("/name")});
  columns->push_back({.name = "Images",
                      .type = "string",
                      .description = "Images referenced by each container in the template.",
                      .priority = 1,
                      .cell = joined("/image")});
  columns->push_back({.name = "Selector",
                      .type = "string",
                      .description = "Label selector for pods.",
                      .priority = 1,
                      .cell = [](const json& o, absl::Time) {
                        std::string text = LabelSelectorText(
                            o.value("spec", json::object()).value("selector", json()));
                        return text.empty() ? "<none>" : text;
                      }});
}

ResourceType Workload(const char* kind, const char* plural, const char* singular,
                      const char* short_name) {
  ResourceType t{.group = "apps",
                 .version = "v1",
                 .kind = kind,
                 .plural = plural,
                 .singular = singular,
                 .namespaced = true,
                 .short_names = {short_name},
                 .categories = {"all"}};
  t.has_status = true;
  t.tracks_generation = true;
  t.has_scale = true;
  // Create starts from an empty status, as the apps strategies do.
  t.initial_status = [](const json&) { return json::object(); };
  return t;
}

}  // namespace

ResourceType DeploymentResource() {
  ResourceType t = Workload("Deployment", "deployments", "deployment", "deploy");
  t.apply_defaults = DefaultDeployment;
  t.validate = ValidateDeployment;
  t.columns = {
      NameColumn(),
      {.name = "Ready",
       .type = "string",
       .description = "Number of the pod with ready state",
       .cell =
           [](const json& o, absl::Time) {
             return absl::StrCat(IntAt(o, "/status/readyReplicas", 0), "/",
                                 IntAt(o, "/spec/replicas", 0));
           }},
      Count("Up-to-date", "/status/updatedReplicas",
            "Total number of non-terminated pods targeted by this deployment that have the "
            "desired template spec."),
      Count("Available", "/status/availableReplicas",
            "Total number of available pods (ready for at least minReadySeconds) targeted by "
            "this deployment."),
      AgeColumn(),
  };
  AddWideColumns(&t.columns);
  return t;
}

ResourceType ReplicaSetResource() {
  ResourceType t = Workload("ReplicaSet", "replicasets", "replicaset", "rs");
  t.apply_defaults = [](json& o) { DefaultTemplate(ObjectField(o, "spec")); };
  t.validate = ValidateReplicaSet;
  t.field_selectors = {"status.replicas"};
  t.columns = {
      NameColumn(),
      Count("Desired", "/spec/replicas", "Number of desired pods."),
      Count("Current", "/status/replicas", "Number of actual pods."),
      Count("Ready", "/status/readyReplicas", "Number of ready pods."),
      AgeColumn(),
  };
  AddWideColumns(&t.columns);
  return t;
}

}  // namespace sluice::apiserver
