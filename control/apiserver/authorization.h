// What a request asks to do (Kubernetes' authorizer.Attributes, read from the
// path and method as its RequestInfoFactory does) and the one rule that
// decides it, used alike for enforcement and for SelfSubjectAccessReviews:
// system:masters may do anything; system:nodes may get, list and watch every
// resource and GET every other path; every authenticated user may ask what it
// may do (create selfsubjectaccessreviews).
#ifndef SLUICE_CONTROL_APISERVER_AUTHORIZATION_H_
#define SLUICE_CONTROL_APISERVER_AUTHORIZATION_H_

#include <string>

#include "absl/status/status.h"
#include "control/apiserver/authentication.h"
#include "control/apiserver/http_types.h"

namespace sluice::apiserver {

struct RequestAttributes {
  bool resource_request = false;
  // get, list, watch, create, update, patch, delete, deletecollection; for a
  // path that is no resource, the method in lower case.
  std::string verb;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string path;  // the request path, for non-resource requests
};

RequestAttributes AttributesOf(const HttpRequest& request);

bool Allowed(const UserInfo& user, const RequestAttributes& attributes);
// The 403 for a request Allowed() refused, worded as Kubernetes does:
// services "x" is forbidden: User "u" cannot create resource "services" in
// API group "" in the namespace "default".
absl::Status ForbiddenFor(const UserInfo& user, const RequestAttributes& attributes);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_AUTHORIZATION_H_
