#include "control/apiserver/json_yaml.h"

#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/proto_object.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  int64_t i;
  if (absl::SimpleAtoi(text, &i)) return i;
  double d;
  if ((absl::StrContains(text, '.') || absl::StrContains(text, 'e')) &&
      absl::SimpleAtod(text, &d) && absl::ascii_isdigit(text.back()))
    return d;
  return text;
}

absl::StatusOr<json> ToJson(const YAML::Node& node, int depth) {
  if (depth > kMaxBodyDepth) return BadRequestError("the object is nested too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) {
        auto v = ToJson(item, depth + 1);
        if (!v.ok()) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return BadRequestError("a mapping key is not a scalar");
        auto v = ToJson(kv.second, depth + 1);
        if (!v.ok()) return v;
        out[kv.first.Scalar()] = std::move(*v);
      }
      return out;
    }
  }
  return json(nullptr);
}

}  // namespace

YAML::Node JsonToYaml(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      YAML::Node node(YAML::NodeType::Map);
      for (const auto& [k, v] : value.items()) node[k] = JsonToYaml(v);
      return node;
    }
    case json::value_t::array: {
      YAML::Node node(YAML::NodeType::Sequence);
      for (const auto& v : value) node.push_back(JsonToYaml(v));
      return node;
    }
    case json::value_t::string:
      return YAML::Node(value.get<std::string>());
    case json::value_t::boolean:
      return YAML::Node(value.get<bool>());
    case json::value_t::number_integer:
      return YAML::Node(value.get<int64_t>());
    case json::value_t::number_unsigned:
      return YAML::Node(value.get<uint64_t>());
    case json::value_t::number_float:
      return YAML::Node(value.get<double>());
    default:
      return YAML::Node(YAML::NodeType::Null);
  }
}

absl::StatusOr<json> YamlTextToJson(absl::string_view text) {
  try {
    return ToJson(YAML::Load(std::string(text)), 0);
  } catch (const YAML::Exception& e) {
    return BadRequestError(absl::StrCat("error parsing YAML body: ", e.what()));
  }
}

absl::StatusOr<json> ParseBody(absl::string_view body, absl::string_view content_type) {
  json value;
  if (absl::StrContains(content_type, "application/vnd.kubernetes.protobuf")) {
    auto parsed = ProtoObjectToJson(body);
    if (!parsed.ok()) return parsed.status();
    value = std::move(*parsed);
  } else if (absl::StrContains(content_type, "yaml")) {
    auto parsed = YamlTextToJson(body);
    if (!parsed.ok()) return parsed.status();
    value = std::move(*parsed);
  } else {
    int depth_exceeded = 0;
    json::parser_callback_t limit = [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxBodyDepth) depth_exceeded = 1;
      return true;
    };
    value = json::parse(body.begin(), body.end(), limit, /*allow_exceptions=*/false);
    if (depth_exceeded) return BadRequestError("the object is nested too deeply");
    if (value.is_discarded()) return BadRequestError("the request body is not valid JSON");
  }
  if (!value.is_object()) return BadRequestError("the request body must be a JSON object");
  return value;
}

}  // namespace sluice::apiserver
