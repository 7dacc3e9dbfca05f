// Conversions between nlohmann::json and yaml-cpp trees: YAML request bodies
// become JSON objects, and objects become the YAML trees that control/k8s's
// parsers (and their validation) read.
#ifndef SLUICE_CONTROL_APISERVER_JSON_YAML_H_
#define SLUICE_CONTROL_APISERVER_JSON_YAML_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace sluice::apiserver {

YAML::Node JsonToYaml(const nlohmann::json& value);

// Plain scalars are typed as YAML 1.2's core schema types them (null, bool,
// integer, float, else string); quoted ones are strings. One document only.
absl::StatusOr<nlohmann::json> YamlTextToJson(absl::string_view text);

// A request body as JSON, from JSON, YAML or Kubernetes' protobuf
// (proto_object.h) by its content type. Malformed or
// non-object bodies are BadRequest; nesting deeper than kMaxDepth too, so a
// hostile body cannot exhaust the stack of later recursive code.
inline constexpr int kMaxBodyDepth = 100;
absl::StatusOr<nlohmann::json> ParseBody(absl::string_view body, absl::string_view content_type);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_JSON_YAML_H_
