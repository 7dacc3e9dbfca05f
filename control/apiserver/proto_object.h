// Kubernetes objects sent in protobuf (`Content-Type:
// application/vnd.kubernetes.protobuf`, as kubectl's typed clients send
// them) turned into the JSON objects the handlers take, so that defaults,
// validation and storage stay the JSON path's. Messages come from
// proto_messages.h; answers stay JSON (kubectl accepts them).
#ifndef SLUICE_CONTROL_APISERVER_PROTO_OBJECT_H_
#define SLUICE_CONTROL_APISERVER_PROTO_OBJECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/apiserver/proto_messages.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// The object of a body ("k8s\0" + runtime.Unknown), with the envelope's
// apiVersion and kind. BadRequest for a malformed body, a kind the server
// does not read in protobuf, or a field it does not know that holds a value
// (nothing the client sent is dropped quietly).
absl::StatusOr<nlohmann::json> ProtoObjectToJson(absl::string_view body);

// One message's bytes as a JSON object; errors name the field's path under
// `path` ("spec.ports[0].targetPort").
absl::StatusOr<nlohmann::json> ProtoMessageToJson(absl::string_view bytes,
                                                  const ProtoMessageSpec& message,
                                                  const std::string& path = "");

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PROTO_OBJECT_H_
