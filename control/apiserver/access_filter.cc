#include "control/apiserver/access_filter.h"

#include "absl/time/clock.h"
#include "control/apiserver/access_review.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/authorization.h"

namespace sluice::apiserver {
namespace {

bool IsHealthCheck(const std::string& path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz";
}

// Paths anyone may read, signed in or not, as kube-apiserver's
// system:public-info-viewer role allows.
bool IsPublic(const HttpRequest& request) {
  return IsHealthCheck(request.path) || (request.path == "/version" && request.method == "GET");
}

}  // namespace

HttpResponse AccessFilter::Handle(const HttpRequest& request) {
  absl::Time start = absl::Now();
  RequestAttributes attributes = AttributesOf(request);
  // Only served resources become label values, so that made-up paths cannot
  // grow the metrics without bound.
  std::string resource;
  if (attributes.resource_request &&
      (IsSelfSubjectAccessReview(attributes) ||
       registry_->Find(attributes.group, attributes.version, attributes.resource) != nullptr))
    resource = attributes.resource;
  std::string verb = MetricVerb(attributes);

  HttpResponse response;
  if (!ready_ && (request.path == "/readyz" || !IsHealthCheck(request.path))) {
    response = StatusResponse(absl::UnavailableError("the server is starting"));
  } else if (IsPublic(request)) {
    response = router_->Handle(request);
  } else {
    response = Authorized(request, attributes);
  }

  if (response.stream) {
    metrics_->WatchStarted(resource);
    response.stream = [metrics = metrics_, resource,
                       inner = std::move(response.stream)](ChunkWriter& out) {
      inner(out);
      metrics->WatchEnded(resource);
    };
  } else {
    metrics_->RecordRequest(verb, resource, response.status, absl::Now() - start);
  }
  return response;
}

HttpResponse AccessFilter::Authorized(const HttpRequest& request,
                                      const RequestAttributes& attributes) {
  std::optional<UserInfo> user = authenticator_->Authenticate(request.authorization);
  if (!user) return StatusResponse(UnauthorizedError());
  if (!Allowed(*user, attributes)) return StatusResponse(ForbiddenFor(*user, attributes));
  if (IsSelfSubjectAccessReview(attributes)) return ServeSelfSubjectAccessReview(*user, request);
  if (request.path == "/metrics" && request.method == "GET")
    return {.status = 200,
            .content_type = "text/plain; version=0.0.4; charset=utf-8",
            .body = metrics_->PrometheusText()};
  return router_->Handle(request);
}

}  // namespace sluice::apiserver
