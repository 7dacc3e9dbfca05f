// SelfSubjectAccessReviews (authorization.k8s.io/v1), which `kubectl auth
// can-i` creates: the answer comes from Allowed(), the rule that also guards
// every request. kubectl sends them as protobuf; JSON and YAML work too.
#ifndef SLUICE_CONTROL_APISERVER_ACCESS_REVIEW_H_
#define SLUICE_CONTROL_APISERVER_ACCESS_REVIEW_H_

#include <string>

#include "absl/status/statusor.h"
#include "control/apiserver/authentication.h"
#include "control/apiserver/authorization.h"
#include "control/apiserver/http_types.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

inline constexpr char kAuthorizationGroup[] = "authorization.k8s.io";
inline constexpr char kSelfSubjectAccessReviews[] = "selfsubjectaccessreviews";

bool IsSelfSubjectAccessReview(const RequestAttributes& attributes);

// The review as JSON, from a JSON, YAML or Kubernetes protobuf body.
absl::StatusOr<nlohmann::json> ParseAccessReview(const HttpRequest& request);
// The review with its status filled in for `user`; 422 without exactly one of
// spec.resourceAttributes and spec.nonResourceAttributes.
absl::StatusOr<nlohmann::json> ReviewAccess(const UserInfo& user, nlohmann::json review);

HttpResponse ServeSelfSubjectAccessReview(const UserInfo& user, const HttpRequest& request);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_ACCESS_REVIEW_H_
