#include "control/apiserver/router.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/discovery.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

HttpResponse Json(const json& body) {
  return {.status = 200, .body = body.dump()};
}

HttpResponse PathNotFound() {
  absl::Status s = NotFoundError({});
  json body = StatusBody(s);
  body["message"] = "the server could not find the requested resource";
  body.erase("details");
  return {.status = 404, .body = body.dump()};
}

}  // namespace

HttpResponse Router::Handle(const HttpRequest& request) {
  const std::string& p = request.path;
  if (p == "/healthz" || p == "/livez" || p == "/readyz")
    return {.status = 200, .content_type = "text/plain; charset=utf-8", .body = "ok"};
  std::vector<std::string> parts = absl::StrSplit(p, '/', absl::SkipEmpty());
  bool read = request.method == "GET";
  if (parts.size() == 1 && parts[0] == "version" && read) return Json(VersionInfo());
  if (!parts.empty() && parts[0] == "api") {
    if (parts.size() == 1 && read) return Json(CoreApiVersions(request.host));
    if (parts.size() == 2 && read) {
      auto list = ApiResourceList(*registry_, "", parts[1]);
      return list ? Json(*list) : PathNotFound();
    }
    if (parts.size() >= 3)
      return HandleResourcePath("", parts[1], {parts.begin() + 2, parts.end()}, request);
  }
  if (!parts.empty() && parts[0] == "apis") {
    if (parts.size() == 1 && read) return Json(ApiGroupList(*registry_));
    if (parts.size() == 2 && read) {
      auto group = ApiGroup(*registry_, parts[1]);
      return group ? Json(*group) : PathNotFound();
    }
    if (parts.size() == 3 && read) {
      auto list = ApiResourceList(*registry_, parts[1], parts[2]);
      return list ? Json(*list) : PathNotFound();
    }
    if (parts.size() >= 4)
      return HandleResourcePath(parts[1], parts[2], {parts.begin() + 3, parts.end()}, request);
  }
  if (parts.size() >= 2 && parts[0] == "openapi" && parts[1] == "v3" && read) {
    if (parts.size() == 2) return Json(OpenApiV3Index(*registry_));
    std::string gv_path = absl::StrJoin(parts.begin() + 2, parts.end(), "/");
    auto doc = OpenApiV3Document(*registry_, gv_path);
    return doc ? Json(*doc) : PathNotFound();
  }
  // JSON only: a client asking for the protobuf form alone finds nothing,
  // as before, and takes the v3 documents.
  if (parts.size() == 2 && parts[0] == "openapi" && parts[1] == "v2" && read &&
      (request.accept.empty() || absl::StrContains(request.accept, "json") ||
       absl::StrContains(request.accept, "*/*")))
    return Json(OpenApiV2(*registry_));
  return PathNotFound();
}

HttpResponse Router::HandleResourcePath(const std::string& group, const std::string& version,
                                        const std::vector<std::string>& rest,
                                        const HttpRequest& request) {
  // namespaces/<ns>/<resource>[/<name>] or <resource>[/<name>]
  ResourcePath path;
  std::string resource;
  size_t i = 0;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    path.ns = rest[1];
    resource = rest[2];
    i = 3;
  } else {
    resource = rest[0];
    i = 1;
  }
  if (i < rest.size()) path.name = rest[i++];
  if (i < rest.size()) path.subresource = rest[i++];
  if (i < rest.size()) return PathNotFound();
  path.type = registry_->Find(group, version, resource);
  if (path.type == nullptr) return PathNotFound();
  if (!path.subresource.empty() && !(path.subresource == "status" && path.type->has_status) &&
      !(path.subresource == "scale" && path.type->has_scale) &&
      !(path.subresource == "binding" && path.type->has_binding))
    return PathNotFound();
  if (!path.type->namespaced && !path.ns.empty()) return PathNotFound();
  if (path.type->namespaced && path.ns.empty() && request.method != "GET")
    return PathNotFound();  // writes name their namespace
  if (path.type->namespaced && path.ns.empty() && !path.name.empty()) return PathNotFound();
  return resources_.Handle(path, request);
}

}  // namespace sluice::apiserver
