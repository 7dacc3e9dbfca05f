#include "control/apiserver/proto_wire.h"

#include "absl/strings/match.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

bool ReadVarint(absl::string_view& in, uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

absl::Status Malformed() {
  return absl::InvalidArgumentError("the protobuf body is malformed");
}

}  // namespace

absl::StatusOr<std::vector<ProtoField>> ParseProtoFields(absl::string_view in) {
  std::vector<ProtoField> fields;
  while (!in.empty()) {
    uint64_t key = 0;
    if (!ReadVarint(in, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) return Malformed();
    ProtoField field{.number = static_cast<uint32_t>(key >> 3),
                     .wire_type = static_cast<uint8_t>(key & 7)};
    switch (key & 7) {
      case 0:
        if (!ReadVarint(in, &field.varint)) return Malformed();
        break;
      case 1:
      case 5: {
        size_t width = (key & 7) == 1 ? 8 : 4;
        if (in.size() < width) return Malformed();
        for (size_t i = 0; i < width; ++i)
          field.varint |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
        in.remove_prefix(width);
        break;
      }
      case 2: {
        uint64_t length = 0;
        if (!ReadVarint(in, &length) || length > in.size()) return Malformed();
        field.bytes = in.substr(0, length);
        in.remove_prefix(length);
        break;
      }
      default:
        return Malformed();
    }
    fields.push_back(field);
  }
  return fields;
}

std::string ProtoString(const std::vector<ProtoField>& fields, uint32_t number) {
  std::string out;
  for (const ProtoField& f : fields)
    if (f.number == number) out = std::string(f.bytes);
  return out;
}

absl::StatusOr<ProtoEnvelope> ParseKubernetesProto(absl::string_view body) {
  // k8s.io/apimachinery/pkg/runtime/serializer/protobuf: a 4-byte magic, then
  // runtime.Unknown{typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2}.
  constexpr absl::string_view kMagic("k8s\0", 4);
  if (!absl::StartsWith(body, kMagic))
    return absl::InvalidArgumentError("the protobuf body lacks Kubernetes' \"k8s\\0\" prefix");
  SLUICE_ASSIGN_OR_RETURN(std::vector<ProtoField> unknown,
                          ParseProtoFields(body.substr(kMagic.size())));
  ProtoEnvelope envelope;
  for (const ProtoField& f : unknown) {
    if (f.number == 1) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<ProtoField> type_meta, ParseProtoFields(f.bytes));
      envelope.api_version = ProtoString(type_meta, 1);
      envelope.kind = ProtoString(type_meta, 2);
    } else if (f.number == 2) {
      envelope.raw = f.bytes;
    }
  }
  return envelope;
}

}  // namespace sluice::apiserver
