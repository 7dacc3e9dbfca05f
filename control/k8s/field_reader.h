// Reads the fields of a Kubernetes object from a yaml-cpp tree, keeping the
// field path ("items[3].spec.ports[0]") so that every error can name the field
// it is about. Each node's shape is checked before its value is used, so
// yaml-cpp has nothing to throw about; the loader still catches at its boundary.
#ifndef SLUICE_CONTROL_K8S_FIELD_READER_H_
#define SLUICE_CONTROL_K8S_FIELD_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace sluice::k8s {

// "spec" + "ports" -> "spec.ports"; "" + "spec" -> "spec".
std::string FieldPath(absl::string_view parent, absl::string_view field);
// "spec.ports" + 0 -> "spec.ports[0]".
std::string IndexPath(absl::string_view parent, size_t index);
// InvalidArgument "<path>: <message>".
absl::Status FieldError(absl::string_view path, absl::string_view message);

// One YAML mapping of an object. Absent and null fields read alike, because
// kubectl omits empty fields and hand-written YAML says `key:` or `key: null`:
// every Read* leaves its output untouched for them. A value of the wrong shape
// is an error naming the field.
class FieldReader {
 public:
  // Fails unless `node` is a mapping; a null or absent node reads as empty.
  static absl::StatusOr<FieldReader> Create(const YAML::Node& node, std::string path);

  const std::string& path() const { return path_; }
  std::string PathOf(absl::string_view field) const { return FieldPath(path_, field); }
  absl::Status ErrorAt(absl::string_view field, absl::string_view message) const {
    return FieldError(PathOf(field), message);
  }
  // True when the field is present and not null.
  bool Has(absl::string_view field) const;

  // Scalars of any kind read as their text (an annotation may say `true`).
  absl::Status ReadString(absl::string_view field, std::string* out) const;
  absl::Status ReadBool(absl::string_view field, std::optional<bool>* out) const;
  // An integer in [min, max]; otherwise "must be between <min> and <max>".
  absl::Status ReadInt64(absl::string_view field, int64_t min, int64_t max,
                         std::optional<int64_t>* out) const;
  template <typename T>
  absl::Status ReadInt(absl::string_view field, int64_t min, int64_t max,
                       std::optional<T>* out) const {
    std::optional<int64_t> value;
    SLUICE_RETURN_IF_ERROR(ReadInt64(field, min, max, &value));
    if (value.has_value()) *out = static_cast<T>(*value);
    return absl::OkStatus();
  }
  // Kubernetes' IntOrString: an integer in [min, max], or any other text.
  absl::Status ReadIntOrString(absl::string_view field, int64_t min, int64_t max,
                               std::optional<std::variant<int64_t, std::string>>* out) const;
  absl::Status ReadStringList(absl::string_view field, std::vector<std::string>* out) const;
  absl::Status ReadStringMap(absl::string_view field,
                             std::map<std::string, std::string>* out) const;

  // The mapping in `field`; an empty one when the field is absent.
  absl::StatusOr<FieldReader> Child(absl::string_view field) const;
  // Calls `visit` with a reader for each mapping of the list in `field`.
  absl::Status ForEachObject(absl::string_view field,
                             const std::function<absl::Status(const FieldReader&)>& visit) const;

 private:
  FieldReader(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  // The value of `field`; an undefined node when absent or null.
  YAML::Node Get(absl::string_view field) const;
  absl::StatusOr<std::vector<YAML::Node>> GetList(absl::string_view field) const;

  YAML::Node node_;
  std::string path_;
};

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_FIELD_READER_H_
