#include "control/apiserver/access_review.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/proto_wire.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kKind[] = "SelfSubjectAccessReview";
constexpr char kApiVersion[] = "authorization.k8s.io/v1";

// Non-empty string fields of a protobuf message as a JSON object, by the
// field numbers of k8s.io/api/authorization/v1/generated.proto.
absl::StatusOr<json> ProtoStrings(absl::string_view message,
                                  std::initializer_list<std::pair<uint32_t, const char*>> names) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<ProtoField> fields, ParseProtoFields(message));
  json out = json::object();
  for (const auto& [number, name] : names)
    if (std::string value = ProtoString(fields, number); !value.empty()) out[name] = value;
  return out;
}

absl::StatusOr<json> ReviewFromProto(absl::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(ProtoEnvelope envelope, ParseKubernetesProto(body));
  if (envelope.kind != kKind || envelope.api_version != kApiVersion)
    return BadRequestError(absl::StrCat("expected a ", kApiVersion, " ", kKind, ", got ",
                                        envelope.api_version, " ", envelope.kind));
  // SelfSubjectAccessReview{metadata = 1, spec = 2}; its spec
  // {resourceAttributes = 1, nonResourceAttributes = 2}.
  SLUICE_ASSIGN_OR_RETURN(std::vector<ProtoField> review, ParseProtoFields(envelope.raw));
  json spec = json::object();
  for (const ProtoField& f : review) {
    if (f.number != 2) continue;
    SLUICE_ASSIGN_OR_RETURN(std::vector<ProtoField> fields, ParseProtoFields(f.bytes));
    for (const ProtoField& attributes : fields) {
      if (attributes.number == 1) {
        SLUICE_ASSIGN_OR_RETURN(spec["resourceAttributes"],
                                ProtoStrings(attributes.bytes, {{1, "namespace"},
                                                                {2, "verb"},
                                                                {3, "group"},
                                                                {4, "version"},
                                                                {5, "resource"},
                                                                {6, "subresource"},
                                                                {7, "name"}}));
      } else if (attributes.number == 2) {
        SLUICE_ASSIGN_OR_RETURN(spec["nonResourceAttributes"],
                                ProtoStrings(attributes.bytes, {{1, "path"}, {2, "verb"}}));
      }
    }
  }
  return json{{"kind", kKind}, {"apiVersion", kApiVersion}, {"spec", spec}};
}

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

bool IsSelfSubjectAccessReview(const RequestAttributes& a) {
  return a.resource_request && a.group == kAuthorizationGroup &&
         a.resource == kSelfSubjectAccessReviews;
}

absl::StatusOr<json> ParseAccessReview(const HttpRequest& request) {
  if (absl::StrContains(request.content_type, "application/vnd.kubernetes.protobuf")) {
    auto review = ReviewFromProto(request.body);
    if (!review.ok()) return BadRequestError(review.status().message());
    return review;
  }
  return ParseBody(request.body, request.content_type);
}

absl::StatusOr<json> ReviewAccess(const UserInfo& user, json review) {
  ErrorSubject subject{.group = kAuthorizationGroup, .kind = kSelfSubjectAccessReviews};
  const json spec = review.value("spec", json::object());
  const json resource = spec.is_object() ? spec.value("resourceAttributes", json()) : json();
  const json other = spec.is_object() ? spec.value("nonResourceAttributes", json()) : json();
  if (resource.is_object() == other.is_object())
    return InvalidError(subject, kKind,
                        {{.type = "FieldValueInvalid",
                          .message = "exactly one of nonResourceAttributes or resourceAttributes "
                                     "must be specified",
                          .field = "spec.resourceAttributes"}});
  RequestAttributes a;
  if (resource.is_object()) {
    a = {.resource_request = true,
         .verb = StringField(resource, "verb"),
         .group = StringField(resource, "group"),
         .version = StringField(resource, "version"),
         .resource = StringField(resource, "resource"),
         .subresource = StringField(resource, "subresource"),
         .ns = StringField(resource, "namespace"),
         .name = StringField(resource, "name")};
  } else {
    a = {.verb = StringField(other, "verb"), .path = StringField(other, "path")};
  }
  bool allowed = Allowed(user, a);
  review["kind"] = kKind;
  review["apiVersion"] = kApiVersion;
  if (!review.contains("metadata") || !review["metadata"].is_object())
    review["metadata"] = json::object();
  review["metadata"]["creationTimestamp"] = nullptr;
  review["status"] = {{"allowed", allowed}};
  return review;
}

HttpResponse ServeSelfSubjectAccessReview(const UserInfo& user, const HttpRequest& request) {
  if (request.method != "POST")
    return StatusResponse(
        MethodNotAllowedError(absl::StrCat(request.method, " is not supported on ",
                                           kSelfSubjectAccessReviews, "; they are only created")));
  auto review = ParseAccessReview(request);
  if (!review.ok()) return StatusResponse(review.status());
  auto answered = ReviewAccess(user, *std::move(review));
  if (!answered.ok()) return StatusResponse(answered.status());
  return {.status = 201, .body = answered->dump()};
}

}  // namespace sluice::apiserver
