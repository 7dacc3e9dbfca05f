// Kubernetes errors: a metav1.Status body with reason, code and (for Invalid)
// causes with field paths. They travel as absl::Status, with the Status body
// as a payload, so that every layer keeps the one error model; the HTTP layer
// turns them back into a response (StatusResponse).
#ifndef SLUICE_CONTROL_APISERVER_API_ERROR_H_
#define SLUICE_CONTROL_APISERVER_API_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "control/apiserver/http_types.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

struct ResourceType;

// One metav1.StatusCause: "FieldValueInvalid", "FieldValueRequired", ...
struct StatusCause {
  std::string type;
  std::string message;
  std::string field;
};

// The resource an error is about, for the Status' details.
struct ErrorSubject {
  std::string group;
  std::string kind;  // the plural resource name, as Kubernetes puts in details.kind
  std::string name;
};
ErrorSubject SubjectOf(const ResourceType& type, absl::string_view name);

absl::Status NotFoundError(const ErrorSubject& subject);
absl::Status AlreadyExistsError(const ErrorSubject& subject);
// 409 for a stale resourceVersion (optimistic concurrency).
absl::Status ConflictError(const ErrorSubject& subject, absl::string_view why);
// 409 for a server-side apply that would take fields another manager owns:
// causes of type FieldManagerConflict, as Kubernetes words them.
absl::Status ApplyConflictError(const ErrorSubject& subject, std::vector<StatusCause> causes);
// 422 with one cause per field.
absl::Status InvalidError(const ErrorSubject& subject, absl::string_view kind,
                          std::vector<StatusCause> causes);
absl::Status BadRequestError(absl::string_view message);
absl::Status UnauthorizedError();  // 401: no or an unknown credential
// 403: not allowed for this user (`why`: "User \"u\" cannot create resource
// ..."), or not now (a Terminating namespace); no name for a collection.
absl::Status ForbiddenError(const ErrorSubject& subject, absl::string_view why);
absl::Status GoneError(absl::string_view message);  // 410, reason Expired
absl::Status MethodNotAllowedError(absl::string_view message);
absl::Status UnsupportedMediaTypeError(absl::string_view content_type);
absl::Status NotAcceptableError(absl::string_view message);

// The metav1.Status body for any status; errors made above keep their body,
// others map by code (Internal for the rest).
nlohmann::json StatusBody(const absl::Status& status);
int HttpCode(const absl::Status& status);
HttpResponse StatusResponse(const absl::Status& status);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_API_ERROR_H_
