// What components report rather than declare: core/v1 Events (kubectl's
// LAST SEEN/TYPE/REASON/OBJECT/MESSAGE table) and coordination.k8s.io/v1
// Leases (node heartbeats, leader election).
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

std::vector<StatusCause> ValidateEvent(const json& o, const json*) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1123Subdomain, &causes);
  std::string ns = StringAt(o, "/metadata/namespace", "");
  std::string involved = StringAt(o, "/involvedObject/namespace", "");
  if (!involved.empty() && involved != ns)
    causes.push_back(
        Invalid("involvedObject.namespace", involved, "does not match event.namespace"));
  CheckNonNegative(o, "/count", "count", &causes);
  return causes;
}

// kubectl's event printer: the last time (or the first, or eventTime), and
// "(xN over T)" for a repeated event.
std::string LastSeen(const json& o, absl::Time now) {
  std::string first_time = StringAt(o, "/firstTimestamp", "");
  if (first_time.empty()) first_time = StringAt(o, "/eventTime", "");
  std::string first = HumanAge(first_time, now);
  std::string last_time = StringAt(o, "/lastTimestamp", "");
  std::string last = last_time.empty() ? first : HumanAge(last_time, now);
  int64_t count = IntAt(o, "/count", 0);
  if (o.contains("series") && o["series"].is_object()) {
    last = HumanAge(StringAt(o, "/series/lastObservedTime", ""), now);
    count = IntAt(o, "/series/count", 0);
  } else if (count == 0) {
    count = 1;
  }
  if (count > 1) return absl::StrCat(last, " (x", count, " over ", first, ")");
  return last;
}

std::string Source(const json& o) {
  std::string component = StringAt(o, "/source/component", "");
  std::string host = StringAt(o, "/source/host", "");
  if (component.empty()) {
    component = StringAt(o, "/reportingComponent", "");
    host = StringAt(o, "/reportingInstance", "");
  }
  return host.empty() ? component : absl::StrCat(component, ", ", host);
}

TableColumn Text(const char* name, const char* pointer, const char* description, int priority = 0) {
  return {.name = name,
          .type = "string",
          .description = description,
          .priority = priority,
          .cell = [pointer](const json& o, absl::Time) { return StringAt(o, pointer, ""); }};
}

}  // namespace

ResourceType EventResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Event",
                 .plural = "events",
                 .singular = "event",
                 .namespaced = true,
                 .short_names = {"ev"}};
  t.apply_defaults = [](json&) {};
  t.validate = ValidateEvent;
  // kubectl describe lists an object's events by involvedObject.*.
  t.field_selectors = {"involvedObject.kind",       "involvedObject.namespace",
                       "involvedObject.name",       "involvedObject.uid",
                       "involvedObject.apiVersion", "involvedObject.resourceVersion",
                       "involvedObject.fieldPath",  "reason",
                       "reportingComponent",        "type"};
  TableColumn name = NameColumn();
  name.priority = 1;
  t.columns = {
      {.name = "Last Seen",
       .type = "string",
       .description = "The time the event was last seen",
       .cell = [](const json& o, absl::Time now) { return LastSeen(o, now); }},
      Text("Type", "/type", "The type of the event"),
      Text("Reason", "/reason", "The reason of the event"),
      {.name = "Object",
       .type = "string",
       .description = "The object the event is about",
       .cell =
           [](const json& o, absl::Time) {
             return absl::StrCat(absl::AsciiStrToLower(StringAt(o, "/involvedObject/kind", "")),
                                 "/", StringAt(o, "/involvedObject/name", ""));
           }},
      Text("Subobject", "/involvedObject/fieldPath", "The subobject of the event", 1),
      {.name = "Source",
       .type = "string",
       .description = "The source of the event",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return Source(o); }},
      Text("Message", "/message", "A human-readable description of the event"),
      {.name = "First Seen",
       .type = "string",
       .description = "The time the event was first seen",
       .priority = 1,
       .cell =
           [](const json& o, absl::Time now) {
             std::string first = StringAt(o, "/firstTimestamp", "");
             return HumanAge(first.empty() ? StringAt(o, "/eventTime", "") : first, now);
           }},
      {.name = "Count",
       .type = "string",
       .description = "The number of times the event has occurred",
       .priority = 1,
       .cell = [](const json& o, absl::Time) { return absl::StrCat(IntAt(o, "/count", 1)); }},
      name,
  };
  return t;
}

ResourceType LeaseResource() {
  ResourceType t{.group = "coordination.k8s.io",
                 .version = "v1",
                 .kind = "Lease",
                 .plural = "leases",
                 .singular = "lease",
                 .namespaced = true};
  t.apply_defaults = [](json&) {};
  t.validate = [](const json& o, const json*) {
    std::vector<StatusCause> causes;
    ValidateName(o, CheckDns1123Subdomain, &causes);
    json::json_pointer duration("/spec/leaseDurationSeconds");
    if (o.contains(duration) && !o.at(duration).is_null() &&
        (!o.at(duration).is_number_integer() || o.at(duration).get<int64_t>() <= 0))
      causes.push_back(
          Invalid("spec.leaseDurationSeconds", o.at(duration), "must be greater than 0"));
    CheckNonNegative(o, "/spec/leaseTransitions", "spec.leaseTransitions", &causes);
    return causes;
  };
  t.columns = {NameColumn(), Text("Holder", "/spec/holderIdentity", "The holder of the lease"),
               AgeColumn()};
  return t;
}

}  // namespace sluice::apiserver
