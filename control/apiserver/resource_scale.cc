// The scale subresource: a workload seen as an autoscaling/v1 Scale, which
// `kubectl scale` reads and patches. A write changes spec.replicas alone and
// goes through the workload's own update (validation, generation).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/patch.h"
#include "control/apiserver/pod_spec.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kScaleApiVersion[] = "autoscaling/v1";

json ToScale(const json& object) {
  json meta = json::object();
  const json& m = object.at("metadata");
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (m.contains(field)) meta[field] = m[field];
  json status = {{"replicas", IntAt(object, "/status/replicas", 0)}};
  std::string selector =
      LabelSelectorText(object.value("spec", json::object()).value("selector", json()));
  if (!selector.empty()) status["selector"] = selector;
  return {{"kind", "Scale"},
          {"apiVersion", kScaleApiVersion},
          {"metadata", meta},
          {"spec", {{"replicas", IntAt(object, "/spec/replicas", 0)}}},
          {"status", status}};
}

ResourcePath MainResource(ResourcePath path) {
  path.subresource.clear();
  return path;
}

}  // namespace

absl::StatusOr<json> ResourceHandler::GetScale(const ResourcePath& path) {
  SLUICE_ASSIGN_OR_RETURN(json object, Get(path));
  return ToScale(object);
}

absl::StatusOr<json> ResourceHandler::ApplyScale(const ResourcePath& path, const json& scale,
                                                 const json& old, int64_t mod_revision) {
  ErrorSubject subject = SubjectOf(*path.type, path.name);
  std::string kind = scale.value("kind", ""), api_version = scale.value("apiVersion", "");
  if ((!kind.empty() && kind != "Scale") ||
      (!api_version.empty() && api_version != kScaleApiVersion))
    return BadRequestError(absl::StrCat("the object is a ", api_version, ", Kind=", kind,
                                        "; this endpoint serves autoscaling/v1, Kind=Scale"));
  std::string name = StringAt(scale, "/metadata/name", "");
  if (name != path.name)
    return BadRequestError(absl::StrCat("the name of the object (", name,
                                        ") does not match the name on the URL (", path.name, ")"));
  std::string rv = StringAt(scale, "/metadata/resourceVersion", "");
  if (!rv.empty() && rv != StringAt(old, "/metadata/resourceVersion", ""))
    return ConflictError(subject,
                         "the object has been modified; please apply your changes to the latest "
                         "version and try again");
  json::json_pointer replicas_at("/spec/replicas");
  json replicas = scale.contains(replicas_at) ? scale.at(replicas_at) : json(0);
  if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0)
    return InvalidError({.group = "autoscaling", .kind = "Scale", .name = path.name}, "Scale",
                        {Invalid("spec.replicas", replicas, "must be greater than or equal to 0")});
  json object = old;
  object["spec"]["replicas"] = replicas;
  SLUICE_ASSIGN_OR_RETURN(json written, Replace(MainResource(path), object, old, mod_revision, ""));
  return ToScale(written);
}

absl::StatusOr<json> ResourceHandler::UpdateScale(const ResourcePath& path, json scale) {
  SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
  SLUICE_ASSIGN_OR_RETURN(json old, DecodeObject(*path.type, kv));
  return ApplyScale(path, scale, old, kv.mod_revision);
}

absl::StatusOr<json> ResourceHandler::PatchScale(const ResourcePath& path, absl::string_view body,
                                                 absl::string_view content_type) {
  SLUICE_ASSIGN_OR_RETURN(PatchType patch_type, PatchTypeOf(content_type));
  return RetryPatch([&](bool* precondition) -> absl::StatusOr<json> {
    SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
    SLUICE_ASSIGN_OR_RETURN(json old, DecodeObject(*path.type, kv));
    json current = ToScale(old);
    SLUICE_ASSIGN_OR_RETURN(json patched, ApplyPatch(current, body, patch_type, "Scale"));
    if (!patched.is_object()) return BadRequestError("the patched object is not a JSON object");
    *precondition = StringAt(patched, "/metadata/resourceVersion", "") !=
                    StringAt(current, "/metadata/resourceVersion", "");
    return ApplyScale(path, patched, old, kv.mod_revision);
  });
}

}  // namespace sluice::apiserver
