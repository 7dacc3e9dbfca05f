// What stands between the listener and the router: every request is timed
// and counted (/metrics), authenticated by its bearer token (401 without a
// known one, except the health checks and /version), and authorized by the
// one rule of authorization.h (403). It also serves what needs the user:
// SelfSubjectAccessReviews, and /metrics itself.
#ifndef SLUICE_CONTROL_APISERVER_ACCESS_FILTER_H_
#define SLUICE_CONTROL_APISERVER_ACCESS_FILTER_H_

#include <atomic>

#include "control/apiserver/authentication.h"
#include "control/apiserver/http_types.h"
#include "control/apiserver/metrics.h"
#include "control/apiserver/resource_type.h"
#include "control/apiserver/router.h"

namespace sluice::apiserver {

class AccessFilter {
 public:
  AccessFilter(const TokenAuthenticator* authenticator, Router* router,
               const ResourceRegistry* registry, ApiMetrics* metrics)
      : authenticator_(authenticator), router_(router), registry_(registry), metrics_(metrics) {}

  HttpResponse Handle(const HttpRequest& request);
  // Until then /readyz is 503 and every other request but the health checks
  // too: the server is still making what it owns (the kubernetes Service).
  void SetReady() { ready_ = true; }

 private:
  HttpResponse Authorized(const HttpRequest& request, const RequestAttributes& attributes);

  const TokenAuthenticator* authenticator_;
  Router* router_;
  const ResourceRegistry* registry_;
  ApiMetrics* metrics_;
  std::atomic<bool> ready_{false};
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_ACCESS_FILTER_H_
