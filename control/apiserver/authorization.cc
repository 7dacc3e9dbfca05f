#include "control/apiserver/authorization.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "control/apiserver/api_error.h"

namespace sluice::apiserver {
namespace {

bool IsReadVerb(const std::string& verb) {
  return verb == "get" || verb == "list" || verb == "watch";
}

std::string ResourceVerb(const HttpRequest& request, bool named) {
  const std::string& m = request.method;
  std::string watch = request.Query("watch");
  if (m == "GET" || m == "HEAD") {
    if (watch == "1" || watch == "true") return "watch";
    return named ? "get" : "list";
  }
  if (m == "POST") return "create";
  if (m == "PUT") return "update";
  if (m == "PATCH") return "patch";
  if (m == "DELETE") return named ? "delete" : "deletecollection";
  return absl::AsciiStrToLower(m);
}

}  // namespace

RequestAttributes AttributesOf(const HttpRequest& request) {
  RequestAttributes a;
  a.path = request.path;
  a.verb = absl::AsciiStrToLower(request.method);
  std::vector<std::string> parts = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  size_t i = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    a.version = parts[1];
    i = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    a.group = parts[1];
    a.version = parts[2];
    i = 3;
  } else {
    return a;  // /version, /api, /apis/<group>, /openapi/..., /metrics
  }
  a.resource_request = true;
  // namespaces/<ns>/<resource>/...; a namespace itself is the namespace of
  // the request too (namespaces/<ns> and its status and finalize).
  if (parts[i] == "namespaces" && i + 1 < parts.size()) {
    a.ns = parts[i + 1];
    bool own_subresource =
        i + 2 < parts.size() && (parts[i + 2] == "status" || parts[i + 2] == "finalize");
    if (i + 2 < parts.size() && !own_subresource) i += 2;
  }
  a.resource = parts[i++];
  if (i < parts.size()) a.name = parts[i++];
  if (i < parts.size()) a.subresource = parts[i++];
  a.verb = ResourceVerb(request, !a.name.empty());
  return a;
}

bool Allowed(const UserInfo& user, const RequestAttributes& a) {
  if (user.InGroup(kMastersGroup)) return true;
  // Kubernetes' system:basic-user role: anyone signed in may ask about itself.
  if (a.resource_request && a.group == "authorization.k8s.io" &&
      a.resource == "selfsubjectaccessreviews" && a.verb == "create")
    return true;
  if (user.InGroup(kNodesGroup))
    return a.resource_request ? IsReadVerb(a.verb) : (a.verb == "get" || a.verb == "head");
  return false;
}

absl::Status ForbiddenFor(const UserInfo& user, const RequestAttributes& a) {
  if (!a.resource_request)
    return ForbiddenError(
        {}, absl::StrCat("User \"", user.name, "\" cannot ", a.verb, " path \"", a.path, "\""));
  std::string resource =
      a.subresource.empty() ? a.resource : absl::StrCat(a.resource, "/", a.subresource);
  std::string scope =
      a.ns.empty() ? "at the cluster scope" : absl::StrCat("in the namespace \"", a.ns, "\"");
  return ForbiddenError({.group = a.group, .kind = a.resource, .name = a.name},
                        absl::StrCat("User \"", user.name, "\" cannot ", a.verb, " resource \"",
                                     resource, "\" in API group \"", a.group, "\" ", scope));
}

}  // namespace sluice::apiserver
