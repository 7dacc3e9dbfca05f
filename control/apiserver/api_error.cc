#include "control/apiserver/api_error.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/resource_type.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kPayloadUrl[] = "type.sluice.dev/k8s.io.apimachinery.meta.v1.Status";

absl::StatusCode CodeFor(int http_code) {
  switch (http_code) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 405:
      return absl::StatusCode::kUnimplemented;
    case 406:
      return absl::StatusCode::kInvalidArgument;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 413:
      return absl::StatusCode::kResourceExhausted;
    case 415:
      return absl::StatusCode::kInvalidArgument;
    case 422:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kInternal;
  }
}

json Details(const ErrorSubject& s) {
  json d = json::object();
  if (!s.name.empty()) d["name"] = s.name;
  if (!s.group.empty()) d["group"] = s.group;
  if (!s.kind.empty()) d["kind"] = s.kind;
  return d;
}

absl::Status Make(int code, absl::string_view reason, std::string message,
                  std::optional<json> details) {
  json body = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
               {"status", "Failure"}, {"message", message}, {"reason", reason},
               {"code", code}};
  if (details) body["details"] = *details;
  absl::Status status(CodeFor(code), message);
  // A message may quote what a client sent; bytes that are not UTF-8 are
  // replaced rather than thrown about (nlohmann's default).
  status.SetPayload(kPayloadUrl,
                    absl::Cord(body.dump(-1, ' ', false, json::error_handler_t::replace)));
  return status;
}

std::string Qualified(const ErrorSubject& s) {
  return s.group.empty() ? s.kind : absl::StrCat(s.kind, ".", s.group);
}

}  // namespace

ErrorSubject SubjectOf(const ResourceType& type, absl::string_view name) {
  return {.group = type.group, .kind = type.plural, .name = std::string(name)};
}

absl::Status NotFoundError(const ErrorSubject& s) {
  return Make(404, "NotFound", absl::StrCat(Qualified(s), " \"", s.name, "\" not found"),
              Details(s));
}

absl::Status AlreadyExistsError(const ErrorSubject& s) {
  return Make(409, "AlreadyExists", absl::StrCat(Qualified(s), " \"", s.name, "\" already exists"),
              Details(s));
}

absl::Status ConflictError(const ErrorSubject& s, absl::string_view why) {
  return Make(
      409, "Conflict",
      absl::StrCat("Operation cannot be fulfilled on ", Qualified(s), " \"", s.name, "\": ", why),
      Details(s));
}

absl::Status ApplyConflictError(const ErrorSubject& s, std::vector<StatusCause> causes) {
  json details = Details(s);
  json list = json::array();
  std::vector<std::string> texts;
  for (const StatusCause& c : causes) {
    list.push_back({{"reason", c.type}, {"message", c.message}, {"field", c.field}});
    texts.push_back(absl::StrCat(c.message, ": ", c.field));
  }
  details["causes"] = list;
  return Make(409, "Conflict",
              absl::StrCat("Apply failed with ", causes.size(), " conflict",
                           causes.size() == 1 ? "" : "s", ": ", absl::StrJoin(texts, "\n")),
              details);
}

absl::Status InvalidError(const ErrorSubject& s, absl::string_view kind,
                          std::vector<StatusCause> causes) {
  json details = Details(s);
  details["kind"] = kind;  // Invalid names the Kind, not the resource (as Kubernetes)
  json list = json::array();
  std::vector<std::string> texts;
  for (const StatusCause& c : causes) {
    list.push_back({{"reason", c.type}, {"message", c.message}, {"field", c.field}});
    texts.push_back(absl::StrCat(c.field, ": ", c.message));
  }
  details["causes"] = list;
  std::string group_kind = s.group.empty() ? std::string(kind) : absl::StrCat(kind, ".", s.group);
  return Make(422, "Invalid",
              absl::StrCat(group_kind, " \"", s.name, "\" is invalid: ",
                           texts.size() == 1 ? texts[0]
                                             : absl::StrCat("[", absl::StrJoin(texts, ", "), "]")),
              details);
}

absl::Status BadRequestError(absl::string_view message) {
  return Make(400, "BadRequest", std::string(message), std::nullopt);
}

absl::Status UnauthorizedError() {
  return Make(401, "Unauthorized", "Unauthorized", std::nullopt);
}

absl::Status ForbiddenError(const ErrorSubject& s, absl::string_view why) {
  // "services \"x\" is forbidden: ..." or, for a collection, "services is
  // forbidden: ...", as apimachinery's NewForbidden words it; a path that is
  // no resource is plainly "forbidden: ...".
  std::string subject = Qualified(s);
  if (!s.name.empty()) absl::StrAppend(&subject, " \"", s.name, "\"");
  return Make(403, "Forbidden",
              absl::StrCat(subject, subject.empty() ? "" : " is ", "forbidden: ", why), Details(s));
}

absl::Status GoneError(absl::string_view message) {
  return Make(410, "Expired", std::string(message), std::nullopt);
}

absl::Status MethodNotAllowedError(absl::string_view message) {
  return Make(405, "MethodNotAllowed", std::string(message), std::nullopt);
}

absl::Status UnsupportedMediaTypeError(absl::string_view content_type) {
  return Make(415, "UnsupportedMediaType",
              absl::StrCat("the body of the request was in an unknown format - accepted media "
                           "types include: application/json, application/yaml, "
                           "application/json-patch+json, application/merge-patch+json, "
                           "application/strategic-merge-patch+json; got \"",
                           content_type, "\""),
              std::nullopt);
}

absl::Status NotAcceptableError(absl::string_view message) {
  return Make(406, "NotAcceptable", std::string(message), std::nullopt);
}

json StatusBody(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    json body = json::parse(std::string(*payload), nullptr, false);
    if (!body.is_discarded()) return body;
  }
  int code = 500;
  std::string reason = "InternalError";
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      code = 400, reason = "BadRequest";
      break;
    case absl::StatusCode::kNotFound:
      code = 404, reason = "NotFound";
      break;
    case absl::StatusCode::kAlreadyExists:
      code = 409, reason = "AlreadyExists";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      code = 504, reason = "Timeout";
      break;
    case absl::StatusCode::kUnavailable:
      code = 503, reason = "ServiceUnavailable";
      break;
    default:
      break;
  }
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Failure"},
          {"message", std::string(status.message())},
          {"reason", reason},
          {"code", code}};
}

int HttpCode(const absl::Status& status) {
  json body = StatusBody(status);
  return body.value("code", 500);
}

HttpResponse StatusResponse(const absl::Status& status) {
  json body = StatusBody(status);
  return {.status = body.value("code", 500),
          .body = body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace sluice::apiserver
