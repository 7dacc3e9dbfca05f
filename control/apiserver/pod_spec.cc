#include "control/apiserver/pod_spec.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"
#include "control/apiserver/selector.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// Kubernetes pulls images without a tag or tagged "latest" every time
// (SetDefaults_Container); a digest pins the image.
std::string PullPolicyFor(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void DefaultContainers(json& spec, const char* field) {
  if (!spec.contains(field) || !spec[field].is_array()) return;
  for (json& c : spec[field]) {
    if (!c.is_object()) continue;
    if (c.contains("image") && c["image"].is_string())
      SetDefault(c, "imagePullPolicy", PullPolicyFor(c["image"].get<std::string>()));
    SetDefault(c, "terminationMessagePath", "/dev/termination-log");
    SetDefault(c, "terminationMessagePolicy", "File");
    SetDefault(c, "resources", json::object());
    if (c.contains("ports") && c["ports"].is_array())
      for (json& port : c["ports"])
        if (port.is_object()) SetDefault(port, "protocol", "TCP");
  }
}

// IANA_SVC_NAME, which named container ports must be (validation.IsValidPortName).
bool IsPortName(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  bool letter = false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '-') {
      if (i == 0 || i + 1 == name.size() || name[i - 1] == '-') return false;
    } else if (absl::ascii_islower(c)) {
      letter = true;
    } else if (!absl::ascii_isdigit(c)) {
      return false;
    }
  }
  return letter;
}

void ValidatePorts(const json& container, const std::string& path,
                   std::vector<StatusCause>* causes) {
  if (!container.contains("ports") || container["ports"].is_null()) return;
  if (!container["ports"].is_array()) {
    causes->push_back(Invalid(path + ".ports", container["ports"], "must be a list"));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < container["ports"].size(); ++i) {
    const json& port = container["ports"][i];
    std::string at = absl::StrCat(path, ".ports[", i, "]");
    if (!port.is_object()) {
      causes->push_back(Invalid(at, port, "must be an object"));
      continue;
    }
    if (!port.contains("containerPort")) {
      causes->push_back(Required(at + ".containerPort"));
    } else if (const json& p = port["containerPort"];
               !p.is_number_integer() || p.get<int64_t>() < 1 || p.get<int64_t>() > 65535) {
      causes->push_back(
          Invalid(at + ".containerPort", p, "must be between 1 and 65535, inclusive"));
    }
    if (port.contains("hostPort") && !port["hostPort"].is_null()) {
      const json& p = port["hostPort"];
      if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > 65535)
        causes->push_back(Invalid(at + ".hostPort", p, "must be between 1 and 65535, inclusive"));
    }
    std::string protocol = StringAt(port, "/protocol", "TCP");
    if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP")
      causes->push_back(NotSupported(at + ".protocol", protocol, {"SCTP", "TCP", "UDP"}));
    std::string name = StringAt(port, "/name", "");
    if (name.empty()) continue;
    if (!IsPortName(name))
      causes->push_back(Invalid(at + ".name", name,
                                "must contain only lowercase alphanumeric characters or '-', at "
                                "most 15 characters, and at least one letter"));
    else if (!names.insert(name).second)
      causes->push_back(Duplicate(at + ".name", name));
  }
}

void ValidateContainers(const json& spec, const char* field, const std::string& spec_path,
                        std::set<std::string>* names, std::vector<StatusCause>* causes) {
  std::string path = absl::StrCat(spec_path, ".", field);
  const json& list = spec.contains(field) ? spec[field] : json();
  if (list.is_null()) return;
  if (!list.is_array()) {
    causes->push_back(Invalid(path, list, "must be a list of containers"));
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const json& c = list[i];
    std::string at = absl::StrCat(path, "[", i, "]");
    if (!c.is_object()) {
      causes->push_back(Invalid(at, c, "must be an object"));
      continue;
    }
    std::string name = StringAt(c, "/name", "");
    if (name.empty()) {
      causes->push_back(Required(at + ".name"));
    } else if (std::string err = CheckDns1123Label(name); !err.empty()) {
      causes->push_back(Invalid(at + ".name", name, err));
    } else if (!names->insert(name).second) {
      causes->push_back(Duplicate(at + ".name", name));
    }
    if (StringAt(c, "/image", "").empty()) causes->push_back(Required(at + ".image"));
    std::string pull = StringAt(c, "/imagePullPolicy", "IfNotPresent");
    if (pull != "Always" && pull != "IfNotPresent" && pull != "Never")
      causes->push_back(
          NotSupported(at + ".imagePullPolicy", pull, {"Always", "IfNotPresent", "Never"}));
    ValidatePorts(c, at, causes);
  }
}

}  // namespace

void DefaultPodSpec(json& spec) {
  SetDefault(spec, "restartPolicy", "Always");
  SetDefault(spec, "dnsPolicy", "ClusterFirst");
  SetDefault(spec, "terminationGracePeriodSeconds", 30);
  SetDefault(spec, "schedulerName", "default-scheduler");
  SetDefault(spec, "securityContext", json::object());
  SetDefault(spec, "enableServiceLinks", true);
  DefaultContainers(spec, "initContainers");
  DefaultContainers(spec, "containers");
}

void ValidatePodSpec(const json& spec, const std::string& path, std::vector<StatusCause>* causes) {
  if (!spec.is_object()) {
    causes->push_back(Required(path));
    return;
  }
  const json& containers = spec.contains("containers") ? spec["containers"] : json();
  if (!containers.is_array() || containers.empty())
    causes->push_back(Required(path + ".containers"));
  // Init containers and containers share one name space.
  std::set<std::string> names;
  ValidateContainers(spec, "initContainers", path, &names, causes);
  ValidateContainers(spec, "containers", path, &names, causes);
  std::string restart = StringAt(spec, "/restartPolicy", "Always");
  if (restart != "Always" && restart != "OnFailure" && restart != "Never")
    causes->push_back(
        NotSupported(path + ".restartPolicy", restart, {"Always", "OnFailure", "Never"}));
  std::string dns = StringAt(spec, "/dnsPolicy", "ClusterFirst");
  if (dns != "ClusterFirst" && dns != "ClusterFirstWithHostNet" && dns != "Default" &&
      dns != "None")
    causes->push_back(NotSupported(path + ".dnsPolicy", dns,
                                   {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}));
  CheckNonNegative(spec, "/terminationGracePeriodSeconds", path + ".terminationGracePeriodSeconds",
                   causes);
  std::string node = StringAt(spec, "/nodeName", "");
  if (!node.empty())
    if (std::string err = CheckDns1123Subdomain(node); !err.empty())
      causes->push_back(Invalid(path + ".nodeName", node, err));
}

std::string LabelSelectorText(const json& selector) {
  if (!selector.is_object()) return "";
  std::vector<std::string> parts;
  if (selector.contains("matchLabels") && selector["matchLabels"].is_object())
    for (const auto& [k, v] : selector["matchLabels"].items())
      parts.push_back(absl::StrCat(k, "=", v.is_string() ? v.get<std::string>() : v.dump()));
  for (const json& e : ArrayAt(selector, "/matchExpressions")) {
    std::string key = StringAt(e, "/key", "");
    std::string op = StringAt(e, "/operator", "");
    std::vector<std::string> values;
    for (const json& v : ArrayAt(e, "/values"))
      if (v.is_string()) values.push_back(v.get<std::string>());
    if (op == "In" || op == "NotIn")
      parts.push_back(
          absl::StrCat(key, op == "In" ? " in (" : " notin (", absl::StrJoin(values, ","), ")"));
    else if (op == "Exists")
      parts.push_back(key);
    else if (op == "DoesNotExist")
      parts.push_back("!" + key);
  }
  return absl::StrJoin(parts, ",");
}

void ValidateLabelSelector(const json& selector, const std::string& path,
                           std::vector<StatusCause>* causes) {
  if (selector.is_null()) return;
  if (!selector.is_object()) {
    causes->push_back(Invalid(path, selector, "must be a label selector"));
    return;
  }
  if (selector.contains("matchLabels") && !selector["matchLabels"].is_null())
    ValidateMetadata({{"labels", selector["matchLabels"]}}, causes);
  const json& expressions = ArrayAt(selector, "/matchExpressions");
  for (size_t i = 0; i < expressions.size(); ++i) {
    const json& e = expressions[i];
    std::string at = absl::StrCat(path, ".matchExpressions[", i, "]");
    if (StringAt(e, "/key", "").empty()) causes->push_back(Required(at + ".key"));
    std::string op = StringAt(e, "/operator", "");
    size_t values = ArrayAt(e, "/values").size();
    if (op == "In" || op == "NotIn") {
      if (values == 0) causes->push_back(Required(at + ".values"));
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (values != 0)
        causes->push_back({"FieldValueForbidden",
                           "Forbidden: may not be specified when `operator` is 'Exists' or "
                           "'DoesNotExist'",
                           at + ".values"});
    } else {
      causes->push_back(
          NotSupported(at + ".operator", op, {"In", "NotIn", "Exists", "DoesNotExist"}));
    }
  }
}

void ValidateWorkloadSelector(const json& spec, std::vector<StatusCause>* causes) {
  const json& selector = spec.contains("selector") ? spec["selector"] : json();
  if (selector.is_null()) {
    causes->push_back(Required("spec.selector"));
    return;
  }
  size_t before = causes->size();
  ValidateLabelSelector(selector, "spec.selector", causes);
  if (causes->size() != before) return;
  std::string text = LabelSelectorText(selector);
  if (text.empty()) {
    causes->push_back(
        Invalid("spec.selector", selector, "empty selector is invalid for deployment"));
    return;
  }
  auto parsed = Selector::ParseLabels(text);
  json labels = json::object();
  if (spec.contains(json::json_pointer("/template/metadata/labels")))
    labels = spec.at(json::json_pointer("/template/metadata/labels"));
  if (!parsed.ok() || !parsed->Matches({{"metadata", {{"labels", labels}}}}))
    causes->push_back(Invalid("spec.template.metadata.labels", labels,
                              "`selector` does not match template `labels`"));
}

}  // namespace sluice::apiserver
