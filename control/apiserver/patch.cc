#include "control/apiserver/patch.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/json_yaml.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// The keys of the associative lists, by kind and field path (paths in the
// object, list indexes left out), from the Go types' tags: the first is the
// patchMergeKey of strategic merge, all of them the listMapKeys of
// server-side apply.
const std::map<std::string, std::vector<std::string>>& MergeKeys() {
  static const auto* keys = [] {
    auto* k = new std::map<std::string, std::vector<std::string>>{
        {"Service:spec.ports", {"port", "protocol"}},
        {"*:metadata.ownerReferences", {"uid"}},
        {"ServiceAccount:secrets", {"name"}},
        {"ServiceAccount:imagePullSecrets", {"name"}},
    };
    // Every PodSpec: in a Pod, and in the template of a workload.
    for (const char* at :
         {"Pod:spec", "Deployment:spec.template.spec", "ReplicaSet:spec.template.spec"}) {
      for (const char* containers : {"containers", "initContainers"}) {
        std::string c = absl::StrCat(at, ".", containers);
        (*k)[c] = {"name"};
        (*k)[c + ".ports"] = {"containerPort", "protocol"};
        (*k)[c + ".env"] = {"name"};
        (*k)[c + ".volumeMounts"] = {"mountPath"};
      }
      (*k)[absl::StrCat(at, ".volumes")] = {"name"};
      (*k)[absl::StrCat(at, ".imagePullSecrets")] = {"name"};
    }
    for (const char* kind : {"Pod", "Node", "Deployment", "ReplicaSet"})
      (*k)[absl::StrCat(kind, ":status.conditions")] = {"type"};
    (*k)["Node:status.addresses"] = {"type"};
    return k;
  }();
  return *keys;
}

std::string Join(const std::string& path, const std::string& field) {
  return path.empty() ? field : absl::StrCat(path, ".", field);
}

std::string MergeKeyOf(absl::string_view kind, const std::string& path) {
  std::vector<std::string> keys = ListKeysOf(kind, path);
  return keys.empty() ? "" : keys.front();
}

absl::StatusOr<json> MergeValue(const json& original, const json& patch, absl::string_view kind,
                                const std::string& path);

absl::StatusOr<json> MergeList(const json& original, const json& patch, absl::string_view kind,
                               const std::string& path) {
  std::string key = MergeKeyOf(kind, path);
  if (key.empty() && !IsPrimitiveSet(path)) return patch;  // atomic: replace
  json result = original.is_array() ? original : json::array();
  if (key.empty()) {
    for (const json& item : patch)
      if (std::find(result.begin(), result.end(), item) == result.end()) result.push_back(item);
    return result;
  }
  for (const json& item : patch) {
    if (!item.is_object() || !item.contains(key))
      return BadRequestError(absl::StrCat(path, ": an element of a merge list lacks ", key));
    auto found = std::find_if(result.begin(), result.end(), [&](const json& e) {
      return e.is_object() && e.contains(key) && e[key] == item[key];
    });
    std::string directive = item.value("$patch", "");
    if (directive == "delete") {
      if (found != result.end()) result.erase(found);
      continue;
    }
    json clean = item;
    clean.erase("$patch");
    if (found == result.end()) {
      auto merged = MergeValue(json::object(), clean, kind, path);
      if (!merged.ok()) return merged;
      result.push_back(*merged);
    } else {
      auto merged = MergeValue(*found, clean, kind, path);
      if (!merged.ok()) return merged;
      *found = *merged;
    }
  }
  return result;
}

// Follows RFC 7386 for maps, with the strategic directives and merge lists.
absl::StatusOr<json> MergeValue(const json& original, const json& patch, absl::string_view kind,
                                const std::string& path) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "replace") {
    json replaced = patch;
    replaced.erase("$patch");
    return replaced;
  }
  json result = original.is_object() ? original : json::object();
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    json kept = json::object();
    for (const json& k : patch["$retainKeys"])
      if (k.is_string() && result.contains(k.get<std::string>()))
        kept[k.get<std::string>()] = result[k.get<std::string>()];
    result = kept;
  }
  for (const auto& [field, value] : patch.items()) {
    if (field == "$patch" || field == "$retainKeys" || absl::StartsWith(field, "$setElementOrder/"))
      continue;  // the order of merged lists is the server's own for now
    if (absl::StartsWith(field, "$deleteFromPrimitiveList/")) {
      std::string list = field.substr(sizeof("$deleteFromPrimitiveList/") - 1);
      if (result.contains(list) && result[list].is_array() && value.is_array()) {
        json kept = json::array();
        for (const json& e : result[list])
          if (std::find(value.begin(), value.end(), e) == value.end()) kept.push_back(e);
        result[list] = kept;
      }
      continue;
    }
    std::string child = Join(path, field);
    if (value.is_null()) {
      result.erase(field);
    } else if (value.is_array()) {
      auto merged = MergeList(result.value(field, json()), value, kind, child);
      if (!merged.ok()) return merged;
      result[field] = *merged;
    } else if (value.is_object()) {
      auto merged = MergeValue(result.value(field, json()), value, kind, child);
      if (!merged.ok()) return merged;
      result[field] = *merged;
    } else {
      result[field] = value;
    }
  }
  return result;
}

}  // namespace

std::vector<std::string> ListKeysOf(absl::string_view kind, absl::string_view path) {
  auto& keys = MergeKeys();
  if (auto it = keys.find(absl::StrCat(kind, ":", path)); it != keys.end()) return it->second;
  if (auto it = keys.find(absl::StrCat("*:", path)); it != keys.end()) return it->second;
  return {};
}

bool IsPrimitiveSet(absl::string_view path) {
  return path == "metadata.finalizers";
}

absl::StatusOr<json> StrategicMerge(const json& current, const json& patch,
                                    absl::string_view kind) {
  return MergeValue(current, patch, kind, "");
}

absl::StatusOr<PatchType> PatchTypeOf(absl::string_view content_type) {
  if (absl::StartsWith(content_type, "application/merge-patch+json")) return PatchType::kMerge;
  if (absl::StartsWith(content_type, "application/json-patch+json")) return PatchType::kJson;
  if (absl::StartsWith(content_type, "application/strategic-merge-patch+json"))
    return PatchType::kStrategic;
  if (absl::StartsWith(content_type, "application/apply-patch+yaml")) return PatchType::kApply;
  return UnsupportedMediaTypeError(content_type);
}

absl::StatusOr<json> ApplyPatch(const json& current, absl::string_view body, PatchType type,
                                absl::string_view kind) {
  // Server-side apply is the handler's own (apply.h), not a patch.
  if (type == PatchType::kApply) return UnsupportedMediaTypeError("application/apply-patch+yaml");
  if (type == PatchType::kJson) {
    json ops = json::parse(body.begin(), body.end(), nullptr, false);
    if (ops.is_discarded() || !ops.is_array())
      return BadRequestError("the JSON patch is not a JSON array of operations");
    try {
      return current.patch(ops);
    } catch (const json::exception& e) {
      return BadRequestError(absl::StrCat("the JSON patch cannot apply: ", e.what()));
    }
  }
  auto patch = ParseBody(body, "application/json");
  if (!patch.ok()) return patch.status();
  if (type == PatchType::kMerge) {
    json result = current;
    result.merge_patch(*patch);
    return result;
  }
  return StrategicMerge(current, *patch, kind);
}

}  // namespace sluice::apiserver
