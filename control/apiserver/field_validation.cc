#include "control/apiserver/field_validation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/api_error.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

void Walk(const std::string& type, json& value, const std::string& path, bool patch,
          std::vector<std::string>& unknown) {
  if (absl::StartsWith(type, "[]")) {
    if (!value.is_array()) return;
    for (size_t i = 0; i < value.size(); ++i)
      Walk(type.substr(2), value[i], absl::StrCat(path, "[", i, "]"), patch, unknown);
    return;
  }
  const SchemaType* t = FindSchemaType(type);
  if (t == nullptr || !value.is_object()) return;  // scalars, maps, "any"
  std::vector<std::string> drop;
  for (auto& [key, field_value] : value.items()) {
    if (patch && absl::StartsWith(key, "$")) continue;
    std::string field_path = path.empty() ? key : absl::StrCat(path, ".", key);
    const SchemaField* field = nullptr;
    for (const SchemaField& f : t->fields)
      if (key == f.name) field = &f;
    if (field != nullptr) {
      Walk(field->type, field_value, field_path, patch, unknown);
    } else if (t->complete) {
      unknown.push_back(field_path);
      drop.push_back(key);
    }
  }
  for (const std::string& key : drop) value.erase(key);
}

}  // namespace

absl::StatusOr<FieldValidation> ParseFieldValidation(const std::string& value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return BadRequestError(absl::StrCat("fieldValidation must be one of \"Ignore\", \"Warn\" or ",
                                      "\"Strict\", not \"", value, "\""));
}

std::vector<std::string> PruneUnknownFields(const SchemaType& type, json& object, bool patch) {
  std::vector<std::string> unknown;
  Walk(type.name, object, "", patch, unknown);
  return unknown;
}

absl::StatusOr<std::vector<std::string>> CheckFields(const SchemaType& type, json& object,
                                                     FieldValidation mode, bool patch) {
  std::vector<std::string> unknown = PruneUnknownFields(type, object, patch);
  std::vector<std::string> texts;
  for (const std::string& path : unknown)
    texts.push_back(absl::StrCat("unknown field \"", path, "\""));
  if (texts.empty() || mode == FieldValidation::kIgnore) return std::vector<std::string>{};
  if (mode == FieldValidation::kWarn) return texts;
  // Kubernetes' words, so scripts matching on them keep working.
  return BadRequestError(absl::StrCat(type.kind, " in version \"", type.version,
                                      "\" cannot be handled as a ", type.kind,
                                      ": strict decoding error: ", absl::StrJoin(texts, ", ")));
}

}  // namespace sluice::apiserver
