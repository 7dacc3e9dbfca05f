// Enough of the protobuf wire format to read the protobuf bodies kubectl
// sends (a SelfSubjectAccessReview from `kubectl auth can-i`, the objects of
// `kubectl create <kind>`): Kubernetes' envelope ("k8s\0" + runtime.Unknown)
// and the fields of a message, without generated code.
#ifndef SLUICE_CONTROL_APISERVER_PROTO_WIRE_H_
#define SLUICE_CONTROL_APISERVER_PROTO_WIRE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice::apiserver {

struct ProtoField {
  uint32_t number = 0;
  uint8_t wire_type = 0;    // 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit
  uint64_t varint = 0;      // wire types 0, 1 and 5
  absl::string_view bytes;  // wire type 2 (strings, bytes, messages)
};

// The top-level fields of a message, in order; InvalidArgument when
// truncated or malformed (groups are refused).
absl::StatusOr<std::vector<ProtoField>> ParseProtoFields(absl::string_view message);
// The last string field `number` of `fields` ("" when absent), as proto3 reads.
std::string ProtoString(const std::vector<ProtoField>& fields, uint32_t number);

// The object inside a Kubernetes protobuf body, with its apiVersion and kind.
struct ProtoEnvelope {
  std::string api_version;
  std::string kind;
  absl::string_view raw;
};
absl::StatusOr<ProtoEnvelope> ParseKubernetesProto(absl::string_view body);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PROTO_WIRE_H_
