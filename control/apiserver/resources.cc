#include "control/apiserver/resources.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/object_meta.h"

namespace sluice::apiserver {

using json = nlohmann::json;

StatusCause CauseFromParseError(const absl::Status& status) {
  absl::string_view text = status.message();
  size_t colon = text.find(": ");
  if (colon == absl::string_view::npos) return {"FieldValueInvalid", std::string(text), ""};
  return {"FieldValueInvalid", std::string(text.substr(colon + 2)),
          std::string(text.substr(0, colon))};
}

void ValidateName(const json& object, std::string (*check)(absl::string_view),
                  std::vector<StatusCause>* causes) {
  std::string name = StringAt(object, "/metadata/name", "");
  std::string err = check(name);
  if (!err.empty())
    causes->push_back({"FieldValueInvalid", absl::StrCat("Invalid value: \"", name, "\": ", err),
                       "metadata.name"});
  ValidateMetadata(object.value("metadata", json::object()), causes);
}

std::string StringAt(const json& object, const char* pointer, const std::string& def) {
  json::json_pointer p(pointer);
  if (!object.contains(p)) return def;
  const json& v = object.at(p);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return def;
  return v.dump();
}

int64_t IntAt(const json& object, const char* pointer, int64_t def) {
  json::json_pointer p(pointer);
  if (!object.contains(p) || !object.at(p).is_number_integer()) return def;
  return object.at(p).get<int64_t>();
}

const json& ArrayAt(const json& object, const char* pointer) {
  static const json* empty = new json(json::array());
  json::json_pointer p(pointer);
  if (!object.contains(p) || !object.at(p).is_array()) return *empty;
  return object.at(p);
}

json& ObjectField(json& parent, const char* name) {
  if (!parent.contains(name) || !parent[name].is_object()) parent[name] = json::object();
  return parent[name];
}

void SetDefault(json& object, const char* field, const json& value) {
  if (!object.contains(field) || object[field].is_null()) object[field] = value;
}

StatusCause Required(const std::string& field) {
  return {"FieldValueRequired", "Required value", field};
}

StatusCause Invalid(const std::string& field, const json& value, const std::string& detail) {
  return {"FieldValueInvalid", absl::StrCat("Invalid value: ", value.dump(), ": ", detail), field};
}

StatusCause Duplicate(const std::string& field, const json& value) {
  return {"FieldValueDuplicate", absl::StrCat("Duplicate value: ", value.dump()), field};
}

StatusCause NotSupported(const std::string& field, const json& value,
                         const std::vector<std::string>& supported) {
  std::vector<std::string> quoted;
  for (const std::string& s : supported) quoted.push_back(json(s).dump());
  return {"FieldValueNotSupported",
          absl::StrCat("Unsupported value: ", value.dump(),
                       ": supported values: ", absl::StrJoin(quoted, ", ")),
          field};
}

void CheckImmutable(const json& object, const json& old, const char* pointer,
                    const std::string& field, std::vector<StatusCause>* causes) {
  json::json_pointer p(pointer);
  json now = object.contains(p) ? object.at(p) : json();
  json before = old.contains(p) ? old.at(p) : json();
  if (now != before) causes->push_back(Invalid(field, now, "field is immutable"));
}

void CheckNonNegative(const json& object, const char* pointer, const std::string& field,
                      std::vector<StatusCause>* causes) {
  json::json_pointer p(pointer);
  if (!object.contains(p) || object.at(p).is_null()) return;
  const json& v = object.at(p);
  if (!v.is_number_integer())
    causes->push_back(Invalid(field, v, "must be an integer"));
  else if (v.get<int64_t>() < 0)
    causes->push_back(Invalid(field, v, "must be greater than or equal to 0"));
}

ResourceType NamespaceResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Namespace",
                 .plural = "namespaces",
                 .singular = "namespace",
                 .namespaced = false,
                 .short_names = {"ns"}};
  t.has_status = true;
  // The lifecycle's finalizer: deletion goes through Terminating
  // (resource_delete.cc). Only the server changes spec.finalizers.
  t.apply_defaults = [](json& o) {
    SetDefault(ObjectField(o, "spec"), "finalizers", json::array({"kubernetes"}));
    SetDefault(ObjectField(o, "status"), "phase", "Active");
  };
  t.initial_status = [](const json&) { return json{{"phase", "Active"}}; };
  t.field_selectors = {"status.phase"};
  t.carry_over = [](json& o, const json& old) {
    json::json_pointer finalizers("/spec/finalizers");
    if (old.contains(finalizers))
      ObjectField(o, "spec")["finalizers"] = old.at(finalizers);
    else
      ObjectField(o, "spec").erase("finalizers");
  };
  t.validate = [](const json& o, const json*) {
    std::vector<StatusCause> causes;
    ValidateName(o, CheckDns1123Label, &causes);
    return causes;
  };
  t.columns = {NameColumn(),
               {.name = "Status",
                .type = "string",
                .description = "The status of the namespace",
                .cell = [](const json& o, absl::Time) { return StringAt(o, "/status/phase", ""); }},
               AgeColumn()};
  return t;
}

ResourceType ConfigMapResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "ConfigMap",
                 .plural = "configmaps",
                 .singular = "configmap",
                 .namespaced = true,
                 .short_names = {"cm"}};
  t.apply_defaults = [](json&) {};
  t.validate = [](const json& o, const json*) {
    std::vector<StatusCause> causes;
    ValidateName(o, CheckDns1123Subdomain, &causes);
    for (const char* field : {"data", "binaryData"}) {
      if (!o.contains(field) || o[field].is_null()) continue;
      if (!o[field].is_object()) {
        causes.push_back({"FieldValueInvalid", "must be a map of strings", field});
        continue;
      }
      for (const auto& [k, v] : o[field].items())
        if (!v.is_string())
          causes.push_back({"FieldValueInvalid", "must be a string", absl::StrCat(field, ".", k)});
    }
    return causes;
  };
  t.columns = {NameColumn(),
               {.name = "Data",
                .type = "integer",
                .description = "Number of entries in the data and binaryData fields",
                .cell =
                    [](const json& o, absl::Time) {
                      size_t n = 0;
                      for (const char* f : {"data", "binaryData"})
                        if (o.contains(f) && o[f].is_object()) n += o[f].size();
                      return json(n);
                    }},
               AgeColumn()};
  return t;
}

ResourceRegistry DefaultRegistry() {
  ResourceRegistry registry;
  registry.Add(NamespaceResource());
  registry.Add(ServiceResource());
  registry.Add(ConfigMapResource());
  registry.Add(EndpointSliceResource());
  registry.Add(NodeResource());
  registry.Add(PodResource());
  registry.Add(EndpointsResource());
  registry.Add(EventResource());
  registry.Add(SecretResource());
  registry.Add(ServiceAccountResource());
  registry.Add(DeploymentResource());
  registry.Add(ReplicaSetResource());
  registry.Add(LeaseResource());
  return registry;
}

}  // namespace sluice::apiserver
