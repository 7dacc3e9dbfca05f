#include "control/apiserver/resource_type.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "control/apiserver/object_meta.h"

namespace sluice::apiserver {

TableColumn NameColumn() {
  return {.name = "Name",
          .type = "string",
          .format = "name",
          .description = "Name must be unique within a namespace.",
          .cell = [](const nlohmann::json& o, absl::Time) {
            return nlohmann::json(o.value("metadata", nlohmann::json::object()).value("name", ""));
          }};
}

TableColumn AgeColumn() {
  return {.name = "Age",
          .type = "string",
          .description =
              "CreationTimestamp is a timestamp representing the server time when this "
              "object was created.",
          .cell = [](const nlohmann::json& o, absl::Time now) {
            return nlohmann::json(HumanAge(
                o.value("metadata", nlohmann::json::object()).value("creationTimestamp", ""), now));
          }};
}

std::string ResourceType::KeyPrefix() const {
  return group.empty() ? absl::StrCat("/registry/", plural, "/")
                       : absl::StrCat("/registry/", group, "/", plural, "/");
}

std::string ResourceType::Key(absl::string_view ns, absl::string_view name) const {
  return namespaced ? absl::StrCat(KeyPrefix(), ns, "/", name) : absl::StrCat(KeyPrefix(), name);
}

std::string ResourceType::ListPrefix(absl::string_view ns) const {
  return namespaced && !ns.empty() ? absl::StrCat(KeyPrefix(), ns, "/") : KeyPrefix();
}

const ResourceType* ResourceRegistry::Find(absl::string_view group, absl::string_view version,
                                           absl::string_view plural) const {
  for (const auto& t : types_)
    if (t->group == group && t->version == version && t->plural == plural) return t.get();
  return nullptr;
}

std::vector<const ResourceType*> ResourceRegistry::All() const {
  std::vector<const ResourceType*> out;
  for (const auto& t : types_) out.push_back(t.get());
  return out;
}

std::vector<std::pair<std::string, std::string>> ResourceRegistry::GroupVersions() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : types_) {
    std::pair<std::string, std::string> gv{t->group, t->version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  return out;
}

}  // namespace sluice::apiserver
