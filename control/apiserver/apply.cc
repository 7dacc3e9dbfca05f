#include "control/apiserver/apply.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/patch.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kItself[] = ".";

// What the server sets, not a manager.
bool ServerOwned(const std::string& dotted) {
  static const std::set<std::string>* owned =
      new std::set<std::string>{"apiVersion",
                                "kind",
                                "status",
                                "metadata.name",
                                "metadata.namespace",
                                "metadata.uid",
                                "metadata.resourceVersion",
                                "metadata.creationTimestamp",
                                "metadata.generation",
                                "metadata.managedFields",
                                "metadata.selfLink",
                                "metadata.deletionTimestamp",
                                "metadata.deletionGracePeriodSeconds"};
  return owned->contains(dotted);
}

std::string Join(const std::string& dotted, const std::string& field) {
  return dotted.empty() ? field : absl::StrCat(dotted, ".", field);
}

// The key of an associative list item; the protocol of a port, when left
// out, is its default (TCP), as Kubernetes defaults key fields.
absl::StatusOr<json> ItemKey(const json& item, const std::vector<std::string>& keys,
                             const std::string& dotted) {
  json key = json::object();
  for (const std::string& k : keys) {
    if (item.is_object() && item.contains(k))
      key[k] = item[k];
    else if (k == "protocol")
      key[k] = "TCP";
    else if (&k == &keys.front())
      return BadRequestError(
          absl::StrCat(".", dotted, ": an element of the list lacks its key ", k));
  }
  return key;
}

bool MatchesKey(const json& item, const json& key) {
  if (!item.is_object()) return false;
  for (const auto& [k, v] : key.items()) {
    if (item.contains(k) ? item[k] != v : !(k == "protocol" && v == "TCP")) return false;
  }
  return true;
}

class FieldWalker {
 public:
  FieldWalker(absl::string_view kind, FieldSet* out) : kind_(kind), out_(out) {}

  absl::Status Object(const json& object, const std::string& dotted) {
    for (const auto& [field, value] : object.items()) {
      std::string child = Join(dotted, field);
      if (ServerOwned(child)) continue;
      at_.push_back("f:" + field);
      SLUICE_RETURN_IF_ERROR(Value(value, child));
      at_.pop_back();
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Value(const json& value, const std::string& dotted) {
    if (value.is_object() && !value.empty()) return Object(value, dotted);
    if (!value.is_array() || value.empty()) {
      out_->insert(at_);
      return absl::OkStatus();
    }
    std::vector<std::string> keys = ListKeysOf(kind_, dotted);
    if (!keys.empty()) {
      for (const json& item : value) {
        SLUICE_ASSIGN_OR_RETURN(json key, ItemKey(item, keys, dotted));
        at_.push_back("k:" + key.dump());
        at_.push_back(kItself);
        out_->insert(at_);
        at_.pop_back();
        if (item.is_object()) SLUICE_RETURN_IF_ERROR(Object(item, dotted));
        at_.pop_back();
      }
    } else if (IsPrimitiveSet(dotted)) {
      for (const json& item : value) {
        at_.push_back("v:" + item.dump());
        out_->insert(at_);
        at_.pop_back();
      }
    } else {
      out_->insert(at_);  // atomic
    }
    return absl::OkStatus();
  }

  absl::string_view kind_;
  FieldSet* out_;
  FieldPath at_;
};

// The list item or field `element` names in `node`; null when absent.
template <typename Json>
Json* Child(Json& node, const std::string& element) {
  if (absl::StartsWith(element, "f:")) {
    if (!node.is_object()) return nullptr;
    auto it = node.find(element.substr(2));
    return it == node.end() ? nullptr : &*it;
  }
  if (!node.is_array()) return nullptr;
  json wanted = json::parse(element.substr(2), nullptr, false);
  for (Json& item : node)
    if (absl::StartsWith(element, "k:") ? MatchesKey(item, wanted) : item == wanted) return &item;
  return nullptr;
}

template <typename Json>
Json* ValueAt(Json& object, const FieldPath& path) {
  Json* node = &object;
  for (const std::string& element : path) {
    if (element == kItself) break;
    node = Child(*node, element);
    if (node == nullptr) return nullptr;
  }
  return node;
}

// Removes the field or list item at `path` from `object`.
void RemoveAt(json& object, FieldPath path) {
  if (!path.empty() && path.back() == kItself) path.pop_back();
  if (path.empty()) return;
  FieldPath parent_path(path.begin(), path.end() - 1);
  json* parent = ValueAt(object, parent_path);
  if (parent == nullptr) return;
  json& node = *parent;
  json* child = Child(node, path.back());
  if (child == nullptr) return;
  if (node.is_object()) {
    node.erase(path.back().substr(2));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it)
    if (&*it == child) {
      node.erase(it);
      return;
    }
}

bool HasPrefix(const FieldPath& path, const FieldPath& prefix) {
  return path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

struct Entry {
  json meta;  // manager, operation, apiVersion, time, fieldsType
  FieldSet fields;
};

std::vector<Entry> EntriesOf(const json& object) {
  std::vector<Entry> entries;
  const json* managed = ValueAt(object, {"f:metadata", "f:managedFields"});
  if (managed == nullptr || !managed->is_array()) return entries;
  for (const json& e : *managed) {
    if (!e.is_object()) continue;
    Entry entry{.meta = e, .fields = DecodeFields(e.value("fieldsV1", json::object()))};
    entry.meta.erase("fieldsV1");
    entries.push_back(std::move(entry));
  }
  return entries;
}

void SetEntries(json& object, const std::vector<Entry>& entries) {
  json managed = json::array();
  for (const Entry& e : entries) {
    if (e.fields.empty()) continue;
    json m = e.meta;
    m["fieldsV1"] = EncodeFields(e.fields);
    managed.push_back(std::move(m));
  }
  if (!object.contains("metadata") || !object["metadata"].is_object())
    object["metadata"] = json::object();
  if (managed.empty())
    object["metadata"].erase("managedFields");
  else
    object["metadata"]["managedFields"] = std::move(managed);
}

bool Is(const Entry& e, absl::string_view manager, absl::string_view operation) {
  return e.meta.value("manager", "") == manager && e.meta.value("operation", "") == operation;
}

// The entry of `manager` with `operation`, made when missing.
Entry& EntryFor(std::vector<Entry>& entries, absl::string_view manager, absl::string_view operation,
                const std::string& api_version, absl::Time now) {
  for (Entry& e : entries)
    if (Is(e, manager, operation)) return e;
  entries.push_back({.meta = {{"manager", manager},
                              {"operation", operation},
                              {"apiVersion", api_version},
                              {"time", FormatTimestamp(now)},
                              {"fieldsType", "FieldsV1"}}});
  return entries.back();
}

void SetFields(Entry& e, FieldSet fields, const std::string& api_version, absl::Time now) {
  if (e.fields == fields) return;
  e.fields = std::move(fields);
  e.meta["apiVersion"] = api_version;
  e.meta["time"] = FormatTimestamp(now);
}

}  // namespace

absl::StatusOr<FieldSet> FieldsOf(const json& object, absl::string_view kind) {
  FieldSet fields;
  if (!object.is_object()) return BadRequestError("the object is not a JSON object");
  SLUICE_RETURN_IF_ERROR(FieldWalker(kind, &fields).Object(object, ""));
  return fields;
}

json EncodeFields(const FieldSet& fields) {
  json root = json::object();
  for (const FieldPath& path : fields) {
    json* node = &root;
    for (const std::string& element : path) {
      node = &(*node)[element];
      if (node->is_null()) *node = json::object();
    }
  }
  return root;
}

namespace {
void Decode(const json& node, FieldPath& at, FieldSet& out) {
  if (!node.is_object()) return;
  if (node.empty() && !at.empty()) out.insert(at);
  for (const auto& [element, child] : node.items()) {
    at.push_back(element);
    Decode(child, at, out);
    at.pop_back();
  }
}
}  // namespace

FieldSet DecodeFields(const json& fields_v1) {
  FieldSet out;
  FieldPath at;
  Decode(fields_v1, at, out);
  return out;
}

std::string FieldPathString(const FieldPath& path) {
  std::string out;
  for (const std::string& element : path) {
    if (element == kItself) continue;
    if (absl::StartsWith(element, "f:")) {
      absl::StrAppend(&out, ".", element.substr(2));
    } else if (absl::StartsWith(element, "k:")) {
      json key = json::parse(element.substr(2), nullptr, false);
      std::vector<std::string> parts;
      if (key.is_object())
        for (const auto& [k, v] : key.items()) parts.push_back(absl::StrCat(k, "=", v.dump()));
      absl::StrAppend(&out, "[", absl::StrJoin(parts, ","), "]");
    } else {
      absl::StrAppend(&out, "[=", element.substr(2), "]");
    }
  }
  return out;
}

absl::StatusOr<json> MergeApplied(const json& live, const json& applied, absl::string_view kind,
                                  const ApplyRequest& request,
                                  std::vector<ApplyConflict>* conflicts) {
  SLUICE_ASSIGN_OR_RETURN(FieldSet applied_fields, FieldsOf(applied, kind));
  std::vector<Entry> entries = EntriesOf(live);
  std::map<std::pair<size_t, FieldPath>, bool> taken;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].meta.value("manager", "") == request.manager) continue;
    for (const FieldPath& path : entries[i].fields) {
      if (path.back() == kItself || !applied_fields.contains(path)) continue;
      const json* theirs = ValueAt(live, path);
      if (theirs == nullptr || *theirs == *ValueAt(applied, path)) continue;
      conflicts->push_back({entries[i].meta.value("manager", ""), FieldPathString(path)});
      taken[{i, path}] = true;
    }
  }
  if (!conflicts->empty() && !request.force) return json();
  conflicts->clear();
  for (const auto& [at, unused] : taken) entries[at.first].fields.erase(at.second);

  json config = applied;
  if (config.contains("metadata") && config["metadata"].is_object())
    config["metadata"].erase("managedFields");
  SLUICE_ASSIGN_OR_RETURN(json merged, StrategicMerge(live, config, kind));

  Entry& mine = EntryFor(entries, request.manager, "Apply", request.api_version, request.now);
  FieldSet others;
  for (const Entry& e : entries)
    if (&e != &mine) others.insert(e.fields.begin(), e.fields.end());
  // Deeper paths first, so an item's fields go before the item.
  for (auto it = mine.fields.rbegin(); it != mine.fields.rend(); ++it) {
    const FieldPath& path = *it;
    if (applied_fields.contains(path) || others.contains(path)) continue;
    if (path.back() == kItself) {
      FieldPath item(path.begin(), path.end() - 1);
      bool shared = false;
      for (const FieldPath& o : others) shared = shared || HasPrefix(o, item);
      for (const FieldPath& a : applied_fields) shared = shared || HasPrefix(a, item);
      if (shared) continue;
    }
    RemoveAt(merged, path);
  }
  SetFields(mine, std::move(applied_fields), request.api_version, request.now);
  SetEntries(merged, entries);
  return merged;
}

absl::Status RecordUpdate(const json& old, json& object, absl::string_view kind,
                          absl::string_view manager, absl::Time now) {
  const json* given = ValueAt(object, {"f:metadata", "f:managedFields"});
  std::vector<Entry> entries = EntriesOf(given != nullptr && given->is_array() ? object : old);
  SLUICE_ASSIGN_OR_RETURN(FieldSet now_fields, FieldsOf(object, kind));
  FieldSet before;
  if (old.is_object()) {
    SLUICE_ASSIGN_OR_RETURN(before, FieldsOf(old, kind));
  }
  FieldSet changed, removed;
  for (const FieldPath& path : now_fields) {
    const json* was = old.is_object() ? ValueAt(old, path) : nullptr;
    if (was == nullptr || (path.back() != kItself && *was != *ValueAt(object, path)))
      changed.insert(path);
  }
  for (const FieldPath& path : before)
    if (!now_fields.contains(path)) removed.insert(path);
  std::string api_version = object.value("apiVersion", "");
  if (!changed.empty() || !removed.empty()) {
    for (Entry& e : entries)
      if (!Is(e, manager, "Update"))
        for (const FieldSet* gone : {&changed, &removed})
          for (const FieldPath& path : *gone) e.fields.erase(path);
    Entry& mine = EntryFor(entries, manager, "Update", api_version, now);
    FieldSet fields = mine.fields;
    for (const FieldPath& path : removed) fields.erase(path);
    fields.insert(changed.begin(), changed.end());
    SetFields(mine, std::move(fields), api_version, now);
  }
  SetEntries(object, entries);
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
