#include "control/agent/kind_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace sluice::agent {
namespace {

using nlohmann::json;

std::string StringAt(const json& object, const char* a, const char* b) {
  if (!object.is_object() || !object.contains(a) || !object[a].is_object()) return "";
  const json& inner = object[a];
  return inner.contains(b) && inner[b].is_string() ? inner[b].get<std::string>() : "";
}

std::string Key(const json& object) {
  return absl::StrCat(StringAt(object, "metadata", "namespace"), "/",
                      StringAt(object, "metadata", "name"));
}

}  // namespace

absl::StatusOr<bool> KindCache::ReplaceWithList(absl::string_view body) {
  json list = json::parse(body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array())
    return absl::UnavailableError(absl::StrCat("the list of ", kind_, "s is not a list"));
  std::map<std::string, Entry> objects;
  for (const json& item : list["items"])
    if (auto entry = Parse(item)) objects[Key(item)] = *std::move(entry);
  bool same = objects.size() == objects_.size() &&
              std::equal(objects.begin(), objects.end(), objects_.begin(),
                         [](const auto& a, const auto& b) {
                           return a.first == b.first && a.second.json == b.second.json;
                         });
  objects_ = std::move(objects);
  resource_version_ = StringAt(list, "metadata", "resourceVersion");
  return !same;
}

absl::StatusOr<bool> KindCache::ApplyEvent(absl::string_view line) {
  json event = json::parse(line, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !event.contains("object") || !event["object"].is_object()) {
    log_(absl::StrCat(kind_, "s: skipping a watch line that is no event: ", line.substr(0, 200)));
    return false;
  }
  const std::string type = event["type"].get<std::string>();
  const json& object = event["object"];
  if (type == "ERROR") {
    int code = object.contains("code") && object["code"].is_number_integer()
                   ? object["code"].get<int>()
                   : 0;
    std::string message = StringAt(event, "object", "message");
    if (code == 410) return absl::AbortedError(absl::StrCat("watch expired (410 Gone): ", message));
    return absl::UnavailableError(absl::StrCat("watch error ", code, ": ", message));
  }
  if (type != "ADDED" && type != "MODIFIED" && type != "DELETED" && type != "BOOKMARK") {
    log_(absl::StrCat(kind_, "s: skipping a watch event of type ", type));
    return false;
  }
  if (std::string rv = StringAt(object, "metadata", "resourceVersion"); !rv.empty())
    resource_version_ = rv;
  if (type == "BOOKMARK") return false;
  if (type == "DELETED") return objects_.erase(Key(object)) > 0;
  auto entry = Parse(object);
  if (!entry) return false;
  Entry& slot = objects_[Key(object)];
  if (slot.json == entry->json) return false;
  slot = *std::move(entry);
  return true;
}

void KindCache::AppendTo(k8s::Objects& out) const {
  for (const auto& [key, entry] : objects_) {
    const k8s::Objects& one = entry.parsed;
    out.services.insert(out.services.end(), one.services.begin(), one.services.end());
    out.endpoint_slices.insert(out.endpoint_slices.end(), one.endpoint_slices.begin(),
                               one.endpoint_slices.end());
  }
}

std::optional<KindCache::Entry> KindCache::Parse(const json& object) const {
  if (!object.is_object()) {
    log_(absl::StrCat(kind_, "s: skipping an item that is not an object"));
    return std::nullopt;
  }
  // The items of a list leave kind and apiVersion out.
  json full = object;
  if (!full.contains("kind")) full["kind"] = kind_;
  if (!full.contains("apiVersion")) full["apiVersion"] = api_version_;
  Entry entry;
  entry.json = full.dump(-1, ' ', false, json::error_handler_t::replace);
  auto parsed = k8s::LoadObjectsText(entry.json, absl::StrCat(kind_, " ", Key(object)));
  if (!parsed.ok()) {
    log_(absl::StrCat("skipping ", parsed.status().message()));
    return std::nullopt;
  }
  if (parsed->services.size() + parsed->endpoint_slices.size() != 1) {
    log_(absl::StrCat("skipping ", kind_, " ", Key(object), ": not a ", kind_, " of ",
                      api_version_));
    return std::nullopt;
  }
  entry.parsed = *std::move(parsed);
  return entry;
}

}  // namespace sluice::agent
