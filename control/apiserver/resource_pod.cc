// core/v1 Pod: the PodSpec defaults, a Pending status on create, the spec's
// few mutable fields, and kubectl's READY/STATUS/RESTARTS columns.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/pod_spec.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// As Kubernetes' qos.GetPodQOS, on cpu and memory: no requests or limits is
// BestEffort; limits on both for every container, requests equal to them,
// Guaranteed; anything else Burstable.
std::string QosClass(const json& pod) {
  bool any = false, guaranteed = true;
  for (const char* field : {"/spec/initContainers", "/spec/containers"})
    for (const json& c : ArrayAt(pod, field)) {
      json requests = c.contains(json::json_pointer("/resources/requests"))
                          ? c.at(json::json_pointer("/resources/requests"))
                          : json::object();
      json limits = c.contains(json::json_pointer("/resources/limits"))
                        ? c.at(json::json_pointer("/resources/limits"))
                        : json::object();
      for (const char* r : {"cpu", "memory"}) {
        if (requests.contains(r) || limits.contains(r)) any = true;
        if (!limits.contains(r) || (requests.contains(r) && requests[r] != limits[r]))
          guaranteed = false;
      }
    }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

// Kubernetes lets an update change only images, activeDeadlineSeconds and
// (by adding) tolerations; the rest of a Pod's spec is fixed at creation.
json MutablePartsRemoved(json spec) {
  spec.erase("activeDeadlineSeconds");
  spec.erase("tolerations");
  for (const char* field : {"containers", "initContainers"})
    if (spec.contains(field) && spec[field].is_array())
      for (json& c : spec[field])
        if (c.is_object()) c.erase("image");
  return spec;
}

std::vector<StatusCause> ValidatePod(const json& o, const json* old) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1123Subdomain, &causes);
  ValidatePodSpec(o.value("spec", json()), "spec", &causes);
  if (old != nullptr && MutablePartsRemoved(o.value("spec", json())) !=
                            MutablePartsRemoved(old->value("spec", json())))
    causes.push_back({"FieldValueForbidden",
                      "Forbidden: pod updates may not change fields other than "
                      "`spec.containers[*].image`, `spec.initContainers[*].image`, "
                      "`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to "
                      "existing tolerations)",
                      "spec"});
  return causes;
}

std::string TerminatedReason(const json& terminated) {
  std::string reason = StringAt(terminated, "/reason", "");
  if (!reason.empty()) return reason;
  int64_t signal = IntAt(terminated, "/signal", 0);
  if (signal != 0) return absl::StrCat("Signal:", signal);
  return absl::StrCat("ExitCode:", IntAt(terminated, "/exitCode", 0));
}

struct PodSummary {
  int ready = 0;
  int64_t restarts = 0;
  std::string last_restart;  // the latest lastState.terminated.finishedAt
  std::string status;
};

void NoteRestart(const json& container_status, PodSummary* s) {
  s->restarts += IntAt(container_status, "/restartCount", 0);
  std::string finished = StringAt(container_status, "/lastState/terminated/finishedAt", "");
  if (finished > s->last_restart) s->last_restart = finished;  // RFC 3339 sorts as text
}

// kubectl's pod printer: the phase (or status.reason), overridden by the first
// unfinished init container, else by the containers' waiting or terminated
// reasons; Terminating once deletion started.
PodSummary Summarize(const json& pod) {
  PodSummary s;
  s.status = StringAt(pod, "/status/reason", StringAt(pod, "/status/phase", ""));
  bool initializing = false;
  const json& inits = ArrayAt(pod, "/status/initContainerStatuses");
  size_t init_total = ArrayAt(pod, "/spec/initContainers").size();
  for (size_t i = 0; i < inits.size(); ++i) {
    const json& c = inits[i];
    NoteRestart(c, &s);
    if (c.contains(json::json_pointer("/state/terminated"))) {
      const json& t = c.at(json::json_pointer("/state/terminated"));
      if (IntAt(t, "/exitCode", 0) == 0) continue;
      s.status = "Init:" + TerminatedReason(t);
    } else {
      std::string waiting = StringAt(c, "/state/waiting/reason", "");
      s.status = !waiting.empty() && waiting != "PodInitializing"
                     ? "Init:" + waiting
                     : absl::StrCat("Init:", i, "/", init_total);
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    s.restarts = 0;
    s.last_restart.clear();
    bool running = false;
    const json& statuses = ArrayAt(pod, "/status/containerStatuses");
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json& c = *it;
      NoteRestart(c, &s);
      std::string waiting = StringAt(c, "/state/waiting/reason", "");
      if (!waiting.empty()) {
        s.status = waiting;
      } else if (c.contains(json::json_pointer("/state/terminated"))) {
        s.status = TerminatedReason(c.at(json::json_pointer("/state/terminated")));
      } else if (c.contains(json::json_pointer("/state/running")) && c.value("ready", false)) {
        running = true;
        ++s.ready;
      }
    }
    if (s.status == "Completed" && running) s.status = "Running";
  }
  if (!StringAt(pod, "/metadata/deletionTimestamp", "").empty())
    s.status = s.status == "NodeLost" ? "Unknown" : "Terminating";
  return s;
}

}  // namespace

ResourceType PodResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Pod",
                 .plural = "pods",
                 .singular = "pod",
                 .namespaced = true,
                 .short_names = {"po"},
                 .categories = {"all"}};
  t.has_status = true;
  t.has_binding = true;
  // The node agent lists its own Pods by spec.nodeName.
  t.field_selectors = {"spec.nodeName",           "spec.restartPolicy", "spec.schedulerName",
                       "spec.serviceAccountName", "status.phase",       "status.podIP",
                       "status.nominatedNodeName"};
  t.apply_defaults = [](json& o) { DefaultPodSpec(ObjectField(o, "spec")); };
  t.initial_status = [](const json& o) {
    return json{{"phase", "Pending"}, {"qosClass", QosClass(o)}};
  };
  t.validate = ValidatePod;
  t.columns = {
      NameColumn(),
      {.name = "Ready",
       .type = "string",
       .description = "The number of ready containers out of all containers.",
       .cell =
           [](const json& o, absl::Time) {
             return absl::StrCat(Summarize(o).ready, "/", ArrayAt(o, "/spec/containers").size());
           }},
      {.name = "Status",
       .type = "string",
       .description = "The aggregate readiness state of this pod for accepting traffic.",
       .cell = [](const json& o, absl::Time) { return Summarize(o).status; }},
      {.name = "Restarts",
       .type = "string",
       .description = "The number of times the containers in this pod have been restarted and "
                      "when the last container in this pod has restarted.",
       .cell =
           [](const json& o, absl::Time now) {
             PodSummary s = Summarize(o);
             if (s.restarts == 0 || s.last_restart.empty()) return absl::StrCat(s.restarts);
             return absl::StrCat(s.restarts, " (", HumanAge(s.last_restart, now), " ago)");
           }},
      AgeColumn(),
      {.name = "IP",
       .type = "string",
       .description = "IP address allocated to the pod.",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/status/podIP", "<none>"); }},
      {.name = "Node",
       .type = "string",
       .description = "Name of the Node to which the Pod is bound.",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/spec/nodeName", "<none>"); }},
      {.name = "Nominated Node",
       .type = "string",
       .description = "Name of the node where the pod may be scheduled after preemption.",
       .priority = 1,
       .cell = [](const json& o,
                  absl::Time) { return StringAt(o, "/status/nominatedNodeName", "<none>"); }},
      {.name = "Readiness Gates",
       .type = "string",
       .description = "The readiness gates of the pod.",
       .priority = 1,
       .cell = [](const json& o, absl::Time) -> json {
         const json& gates = ArrayAt(o, "/spec/readinessGates");
         if (gates.empty()) return "<none>";
         size_t met = 0;
         for (const json& g : gates)
           for (const json& c : ArrayAt(o, "/status/conditions"))
             if (c.value("type", "") == g.value("conditionType", "") &&
                 c.value("status", "") == "True")
               ++met;
         return absl::StrCat(met, "/", gates.size());
       }},
  };
  return t;
}

}  // namespace sluice::apiserver
