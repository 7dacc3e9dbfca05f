#include "control/k8s/field_reader.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::k8s {
namespace {

bool IsAbsent(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull();
}

// YAML 1.2's core schema spellings; yaml-cpp's own conversion would also take
// "yes", "on" and "y", which a Kubernetes API server rejects.
std::optional<bool> ParseBool(absl::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

}  // namespace

std::string FieldPath(absl::string_view parent, absl::string_view field) {
  if (parent.empty()) return std::string(field);
  return absl::StrCat(parent, ".", field);
}

std::string IndexPath(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

absl::Status FieldError(absl::string_view path, absl::string_view message) {
  if (path.empty()) return absl::InvalidArgumentError(message);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::StatusOr<FieldReader> FieldReader::Create(const YAML::Node& node, std::string path) {
  if (IsAbsent(node)) return FieldReader(YAML::Node(YAML::NodeType::Map), std::move(path));
  if (!node.IsMap()) return FieldError(path, "must be a mapping");
  return FieldReader(node, std::move(path));
}

YAML::Node FieldReader::Get(absl::string_view field) const {
  YAML::Node value = node_[std::string(field)];
  if (IsAbsent(value)) return YAML::Node(YAML::NodeType::Undefined);
  return value;
}

bool FieldReader::Has(absl::string_view field) const {
  return Get(field).IsDefined();
}

absl::Status FieldReader::ReadString(absl::string_view field, std::string* out) const {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return absl::OkStatus();
  if (!value.IsScalar()) return ErrorAt(field, "must be a string");
  *out = value.Scalar();
  return absl::OkStatus();
}

absl::Status FieldReader::ReadBool(absl::string_view field, std::optional<bool>* out) const {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return absl::OkStatus();
  std::optional<bool> parsed = value.IsScalar() ? ParseBool(value.Scalar()) : std::nullopt;
  if (!parsed.has_value()) return ErrorAt(field, "must be true or false");
  *out = parsed;
  return absl::OkStatus();
}

absl::Status FieldReader::ReadInt64(absl::string_view field, int64_t min, int64_t max,
                                    std::optional<int64_t>* out) const {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return absl::OkStatus();
  int64_t number = 0;
  if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &number)) {
    return ErrorAt(field, value.IsScalar()
                              ? absl::StrCat("\"", value.Scalar(), "\" is not an integer")
                              : "must be an integer");
  }
  if (number < min || number > max) {
    return ErrorAt(field, absl::StrCat("must be between ", min, " and ", max));
  }
  *out = number;
  return absl::OkStatus();
}

absl::Status FieldReader::ReadIntOrString(
    absl::string_view field, int64_t min, int64_t max,
    std::optional<std::variant<int64_t, std::string>>* out) const {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return absl::OkStatus();
  if (!value.IsScalar()) return ErrorAt(field, "must be an integer or a string");
  int64_t number = 0;
  if (!absl::SimpleAtoi(value.Scalar(), &number)) {
    *out = value.Scalar();
    return absl::OkStatus();
  }
  std::optional<int64_t> checked;
  SLUICE_RETURN_IF_ERROR(ReadInt64(field, min, max, &checked));
  *out = *checked;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<YAML::Node>> FieldReader::GetList(absl::string_view field) const {
  YAML::Node value = Get(field);
  std::vector<YAML::Node> elements;
  if (!value.IsDefined()) return elements;
  if (!value.IsSequence()) return ErrorAt(field, "must be a list");
  for (const YAML::Node& element : value) elements.push_back(element);
  return elements;
}

absl::Status FieldReader::ReadStringList(absl::string_view field,
                                         std::vector<std::string>* out) const {
  SLUICE_ASSIGN_OR_RETURN(std::vector<YAML::Node> elements, GetList(field));
  std::vector<std::string> strings;
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!elements[i].IsScalar()) {
      return FieldError(IndexPath(PathOf(field), i), "must be a string");
    }
    strings.push_back(elements[i].Scalar());
  }
  *out = std::move(strings);
  return absl::OkStatus();
}

absl::Status FieldReader::ReadStringMap(absl::string_view field,
                                        std::map<std::string, std::string>* out) const {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return absl::OkStatus();
  if (!value.IsMap()) return ErrorAt(field, "must be a mapping");
  std::map<std::string, std::string> strings;
  for (const auto& entry : value) {
    if (!entry.first.IsScalar()) return ErrorAt(field, "keys must be strings");
    const std::string& key = entry.first.Scalar();
    if (IsAbsent(entry.second)) {
      strings[key] = "";  // `key:` is an empty value, as in the API server's YAML decoder
    } else if (entry.second.IsScalar()) {
      strings[key] = entry.second.Scalar();
    } else {
      return FieldError(absl::StrCat(PathOf(field), "[\"", key, "\"]"), "must be a string");
    }
  }
  *out = std::move(strings);
  return absl::OkStatus();
}

absl::StatusOr<FieldReader> FieldReader::Child(absl::string_view field) const {
  return Create(Get(field), PathOf(field));
}

absl::Status FieldReader::ForEachObject(
    absl::string_view field, const std::function<absl::Status(const FieldReader&)>& visit) const {
  SLUICE_ASSIGN_OR_RETURN(std::vector<YAML::Node> elements, GetList(field));
  for (size_t i = 0; i < elements.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(FieldReader element, Create(elements[i], IndexPath(PathOf(field), i)));
    SLUICE_RETURN_IF_ERROR(visit(element));
  }
  return absl::OkStatus();
}

}  // namespace sluice::k8s
