// The messages of k8s.io/api's generated.proto that kubectl's typed clients
// send (`kubectl create namespace|configmap|secret|serviceaccount|service|
// deployment`; Events, Endpoints and Leases from client-go's recorders,
// controllers and leader election), described by field number: what proto_object.h needs to turn
// them into the JSON objects the handlers take.
#ifndef SLUICE_CONTROL_APISERVER_PROTO_MESSAGES_H_
#define SLUICE_CONTROL_APISERVER_PROTO_MESSAGES_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace sluice::apiserver {

enum class ProtoType : uint8_t {
  kString,
  kInt32,
  kInt64,
  kBool,
  kMessage,  // ProtoFieldSpec::message names it
  kInline,   // a Go embedded struct: its fields join the enclosing object's
  kStringMap,
  kBytesMap,  // values in base64, as JSON has bytes
  kQuantityMap,
  kIntOrString,  // intstr.IntOrString{type = 1, intVal = 2, strVal = 3}
  kQuantity,     // resource.Quantity{string = 1}
  kTime,         // metav1.Time{seconds = 1, nanos = 2}; empty when zero
  kMicroTime,    // metav1.MicroTime: the same, with microseconds in JSON
};

struct ProtoFieldSpec {
  uint32_t number = 0;
  const char* json_name = "";
  ProtoType type = ProtoType::kString;
  bool repeated = false;
  // A Go pointer: gogo-protobuf writes it only when set, so a zero value was
  // meant (replicas: 0). Other scalars are always written, and zero is unset.
  bool pointer = false;
  const char* message = nullptr;
};

struct ProtoMessageSpec {
  const char* name = "";
  std::vector<ProtoFieldSpec> fields;
};

// nullptr when not described.
const ProtoMessageSpec* FindProtoMessage(absl::string_view name);
// The message of an object ("apps/v1", "Deployment"); nullptr when the
// server does not read that kind in protobuf.
const ProtoMessageSpec* FindProtoKind(absl::string_view api_version, absl::string_view kind);
// Every described message (a test checks that every reference resolves).
const std::vector<ProtoMessageSpec>& ProtoMessages();

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PROTO_MESSAGES_H_
