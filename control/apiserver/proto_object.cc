#include "control/apiserver/proto_object.h"

#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/proto_wire.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using T = ProtoType;

std::string Prefix(const std::string& path) {
  return path.empty() ? "" : absl::StrCat(path, ": ");
}

absl::Status Malformed(const std::string& path, absl::string_view why) {
  return BadRequestError(absl::StrCat(Prefix(path), "the protobuf body is malformed: ", why));
}

// nlohmann::json throws when it writes a string that is not UTF-8, and
// protobuf strings must be UTF-8 anyway.
bool IsUtf8(absl::string_view s) {
  constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};  // no overlong forms
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
    if ((extra == 3 && (c & 0xf8) != 0xf0) || extra > s.size() - i - 1) return false;
    uint32_t code = c & (0x7f >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<uint8_t>(s[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < kSmallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return false;
    i += extra + 1;
  }
  return true;
}

absl::StatusOr<std::string> Utf8(absl::string_view s, const std::string& path) {
  if (!IsUtf8(s)) return Malformed(path, "a string is not UTF-8");
  return std::string(s);
}

// A field the table does not describe may be skipped only when it holds
// nothing: gogo-protobuf writes every non-pointer field, zero or not.
bool HoldsNothing(const ProtoField& f, int depth) {
  if (f.wire_type != 2) return f.varint == 0;
  if (f.bytes.empty()) return true;
  if (depth > kMaxBodyDepth) return false;
  auto inner = ParseProtoFields(f.bytes);
  if (!inner.ok()) return false;
  for (const ProtoField& g : *inner)
    if (!HoldsNothing(g, depth + 1)) return false;
  return true;
}

bool WireTypeFits(ProtoType type, uint8_t wire_type) {
  switch (type) {
    case T::kInt32:
    case T::kInt64:
    case T::kBool:
      return wire_type == 0;
    default:
      return wire_type == 2;
  }
}

absl::Status DecodeInto(absl::string_view bytes, const ProtoMessageSpec& message,
                        const std::string& path, int depth, json& out);

// intstr.IntOrString{type = 1 (0 int, 1 string), intVal = 2, strVal = 3}.
absl::StatusOr<std::optional<json>> IntOrString(absl::string_view bytes, bool pointer,
                                                const std::string& path) {
  auto fields = ParseProtoFields(bytes);
  if (!fields.ok()) return Malformed(path, fields.status().message());
  uint64_t type = 0, int_value = 0;
  absl::string_view string_value;
  for (const ProtoField& f : *fields) {
    if (f.number == 1) type = f.varint;
    if (f.number == 2) int_value = f.varint;
    if (f.number == 3) string_value = f.bytes;
  }
  if (type == 1) {
    if (string_value.empty() && !pointer) return std::nullopt;
    SLUICE_ASSIGN_OR_RETURN(std::string s, Utf8(string_value, path));
    return json(s);
  }
  auto value = static_cast<int32_t>(static_cast<int64_t>(int_value));
  if (value == 0 && !pointer) return std::nullopt;  // Kubernetes' own "unset"
  return json(value);
}

// A map entry {key = 1, value = 2} into `out`.
absl::Status MapEntry(const ProtoField& f, ProtoType type, const std::string& path, json& out) {
  auto fields = ParseProtoFields(f.bytes);
  if (!fields.ok()) return Malformed(path, fields.status().message());
  std::string key;
  absl::string_view value;
  for (const ProtoField& g : *fields) {
    if (g.wire_type != 2) return Malformed(path, "a map entry is not two strings");
    if (g.number == 1) key = std::string(g.bytes);
    if (g.number == 2) value = g.bytes;
  }
  if (!IsUtf8(key)) return Malformed(path, "a map key is not UTF-8");
  if (!out.is_object()) out = json::object();
  if (type == T::kBytesMap) {
    out[key] = absl::Base64Escape(value);
  } else if (type == T::kQuantityMap) {
    auto quantity = ParseProtoFields(value);
    if (!quantity.ok()) return Malformed(path, quantity.status().message());
    SLUICE_ASSIGN_OR_RETURN(out[key], Utf8(ProtoString(*quantity, 1), path));
  } else {
    SLUICE_ASSIGN_OR_RETURN(out[key], Utf8(value, path));
  }
  return absl::OkStatus();
}

// One field's value; nullopt when it is unset (a zero non-pointer scalar).
absl::StatusOr<std::optional<json>> Value(const ProtoField& f, const ProtoFieldSpec& spec,
                                          const std::string& path, int depth) {
  bool keep_zero = spec.pointer || spec.repeated;
  switch (spec.type) {
    case T::kString: {
      if (f.bytes.empty() && !keep_zero) return std::nullopt;
      SLUICE_ASSIGN_OR_RETURN(std::string s, Utf8(f.bytes, path));
      return json(s);
    }
    case T::kInt32:
    case T::kInt64: {
      auto value = static_cast<int64_t>(f.varint);
      if (spec.type == T::kInt32) value = static_cast<int32_t>(value);
      if (value == 0 && !keep_zero) return std::nullopt;
      return json(value);
    }
    case T::kBool:
      if (f.varint == 0 && !keep_zero) return std::nullopt;
      return json(f.varint != 0);
    case T::kMessage: {
      json object = json::object();
      SLUICE_RETURN_IF_ERROR(
          DecodeInto(f.bytes, *FindProtoMessage(spec.message), path, depth + 1, object));
      return object;
    }
    case T::kIntOrString:
      return IntOrString(f.bytes, spec.pointer, path);
    case T::kQuantity: {
      auto fields = ParseProtoFields(f.bytes);
      if (!fields.ok()) return Malformed(path, fields.status().message());
      std::string quantity = ProtoString(*fields, 1);
      if (quantity.empty()) return std::nullopt;
      SLUICE_ASSIGN_OR_RETURN(std::string s, Utf8(quantity, path));
      return json(s);
    }
    case T::kTime:
    case T::kMicroTime: {
      if (f.bytes.empty()) return std::nullopt;  // the zero time is written empty
      auto fields = ParseProtoFields(f.bytes);
      if (!fields.ok()) return Malformed(path, fields.status().message());
      int64_t seconds = 0, nanos = 0;
      for (const ProtoField& g : *fields) {
        if (g.number == 1) seconds = static_cast<int64_t>(g.varint);
        if (g.number == 2) nanos = static_cast<int32_t>(g.varint);
      }
      // RFC 3339 as Kubernetes writes them: Time in seconds (its nanos are
      // ignored, as Kubernetes ignores them), MicroTime in microseconds.
      if (spec.type == T::kTime)
        return json(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                                     absl::UTCTimeZone()));
      if (nanos < 0 || nanos > 999999999) return Malformed(path, "nanos out of range");
      return json(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                                   absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos),
                                   absl::UTCTimeZone()));
    }
    default:  // maps and inline messages are handled by DecodeInto
      return std::nullopt;
  }
}

absl::Status DecodeInto(absl::string_view bytes, const ProtoMessageSpec& message,
                        const std::string& path, int depth, json& out) {
  if (depth > kMaxBodyDepth) return BadRequestError("the object is nested too deeply");
  auto fields = ParseProtoFields(bytes);
  if (!fields.ok()) return Malformed(path, fields.status().message());
  for (const ProtoField& f : *fields) {
    const ProtoFieldSpec* spec = nullptr;
    for (const ProtoFieldSpec& candidate : message.fields)
      if (candidate.number == f.number) spec = &candidate;
    if (spec == nullptr) {
      if (HoldsNothing(f, depth)) continue;
      return BadRequestError(absl::StrCat(Prefix(path), "field ", f.number, " of ", message.name,
                                          " is not supported in protobuf by this server; send "
                                          "the object as JSON"));
    }
    std::string where = path.empty() ? spec->json_name : absl::StrCat(path, ".", spec->json_name);
    if (!WireTypeFits(spec->type, f.wire_type))
      return Malformed(where, absl::StrCat("wire type ", f.wire_type, " for field ", f.number));
    if (spec->type == T::kInline) {
      SLUICE_RETURN_IF_ERROR(
          DecodeInto(f.bytes, *FindProtoMessage(spec->message), path, depth + 1, out));
      continue;
    }
    if (spec->type == T::kStringMap || spec->type == T::kBytesMap ||
        spec->type == T::kQuantityMap) {
      SLUICE_RETURN_IF_ERROR(MapEntry(f, spec->type, where, out[spec->json_name]));
      continue;
    }
    if (spec->repeated) {
      json& list = out[spec->json_name];
      if (!list.is_array()) list = json::array();
      where = absl::StrCat(where, "[", list.size(), "]");
      SLUICE_ASSIGN_OR_RETURN(std::optional<json> value, Value(f, *spec, where, depth));
      list.push_back(value.value_or(json()));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(std::optional<json> value, Value(f, *spec, where, depth));
    if (value.has_value())
      out[spec->json_name] = *std::move(value);
    else
      out.erase(spec->json_name);  // proto's last occurrence wins, unset too
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<json> ProtoMessageToJson(absl::string_view bytes, const ProtoMessageSpec& message,
                                        const std::string& path) {
  json out = json::object();
  SLUICE_RETURN_IF_ERROR(DecodeInto(bytes, message, path, 0, out));
  return out;
}

absl::StatusOr<json> ProtoObjectToJson(absl::string_view body) {
  auto envelope = ParseKubernetesProto(body);
  if (!envelope.ok()) return BadRequestError(envelope.status().message());
  // The error below quotes them; a Status body must be UTF-8.
  const ProtoMessageSpec* message = FindProtoKind(envelope->api_version, envelope->kind);
  if (message == nullptr)
    return BadRequestError(
        absl::StrCat("this server does not read ", absl::CHexEscape(envelope->api_version), " ",
                     absl::CHexEscape(envelope->kind), " in protobuf; send the object as JSON"));
  SLUICE_ASSIGN_OR_RETURN(json object, ProtoMessageToJson(envelope->raw, *message));
  object["apiVersion"] = envelope->api_version;
  object["kind"] = envelope->kind;
  return object;
}

}  // namespace sluice::apiserver
