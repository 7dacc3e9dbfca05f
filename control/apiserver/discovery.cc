#include "control/apiserver/discovery.h"

#include "absl/strings/str_cat.h"
#include "control/apiserver/openapi_schemas.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// authorization.k8s.io/v1 selfsubjectaccessreviews: served beside the
// registry's types because nothing of it is stored (access_review.h).
constexpr char kReviewGroup[] = "authorization.k8s.io";
constexpr char kReviewVersion[] = "v1";

std::vector<std::pair<std::string, std::string>> ServedGroupVersions(
    const ResourceRegistry& registry) {
  auto out = registry.GroupVersions();
  out.emplace_back(kReviewGroup, kReviewVersion);
  return out;
}

json GroupJson(const ResourceRegistry& registry, const std::string& group) {
  json versions = json::array();
  for (const auto& [g, v] : ServedGroupVersions(registry))
    if (g == group) versions.push_back({{"groupVersion", absl::StrCat(g, "/", v)}, {"version", v}});
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions[0]}};
}

// "api/v1" or "apis/<group>/<version>": how OpenAPI v3 names a group version.
std::string GroupVersionPath(const std::string& group, const std::string& version) {
  return group.empty() ? absl::StrCat("api/", version) : absl::StrCat("apis/", group, "/", version);
}

}  // namespace

json VersionInfo() {
  return {{"major", kKubernetesMajor},
          {"minor", kKubernetesMinor},
          {"gitVersion", kKubernetesGitVersion},
          {"gitCommit", ""},
          {"gitTreeState", "clean"},
          {"buildDate", "1970-01-01T00:00:00Z"},
          {"goVersion", ""},
          {"compiler", "gcc"},
          {"platform", "linux/amd64"}};
}

json CoreApiVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ApiGroupList(const ResourceRegistry& registry) {
  json groups = json::array();
  std::vector<std::string> seen;
  for (const auto& [g, v] : ServedGroupVersions(registry)) {
    if (g.empty() || std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
    seen.push_back(g);
    groups.push_back(GroupJson(registry, g));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ApiGroup(const ResourceRegistry& registry, const std::string& group) {
  for (const auto& [g, v] : ServedGroupVersions(registry))
    if (g == group && !g.empty()) {
      json out = GroupJson(registry, group);
      out["kind"] = "APIGroup";
      out["apiVersion"] = "v1";
      return out;
    }
  return std::nullopt;
}

std::optional<json> ApiResourceList(const ResourceRegistry& registry, const std::string& group,
                                    const std::string& version) {
  json resources = json::array();
  for (const ResourceType* t : registry.All()) {
    if (t->group != group || t->version != version) continue;
    json r = {{"name", t->plural},
              {"singularName", t->singular},
              {"namespaced", t->namespaced},
              {"kind", t->kind},
              {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (!t->short_names.empty()) r["shortNames"] = t->short_names;
    if (!t->categories.empty()) r["categories"] = t->categories;
    resources.push_back(std::move(r));
    json subresource_verbs = {"get", "patch", "update"};
    if (t->has_status)
      resources.push_back({{"name", t->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", t->kind},
                           {"verbs", subresource_verbs}});
    // kubectl scale finds the Scale's group and version here.
    if (t->has_scale)
      resources.push_back({{"name", t->plural + "/scale"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"group", "autoscaling"},
                           {"version", "v1"},
                           {"kind", "Scale"},
                           {"verbs", subresource_verbs}});
    if (t->has_binding)
      resources.push_back({{"name", t->plural + "/binding"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", "Binding"},
                           {"verbs", {"create"}}});
  }
  if (group == kReviewGroup && version == kReviewVersion)
    resources.push_back({{"name", "selfsubjectaccessreviews"},
                         {"singularName", "selfsubjectaccessreview"},
                         {"namespaced", false},
                         {"kind", "SelfSubjectAccessReview"},
                         {"verbs", {"create"}}});
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : absl::StrCat(group, "/", version)},
              {"resources", resources}};
}

json OpenApiV3Index(const ResourceRegistry& registry) {
  json paths = json::object();
  for (const auto& [g, v] : registry.GroupVersions()) {
    std::string path = GroupVersionPath(g, v);
    // The hash lets clients cache a document; ours change only with the binary.
    paths[path] = {{"serverRelativeURL",
                    absl::StrCat("/openapi/v3/", path, "?hash=sluice-", kKubernetesGitVersion)}};
  }
  return {{"paths", paths}};
}

std::optional<json> OpenApiV3Document(const ResourceRegistry& registry,
                                      const std::string& group_version_path) {
  json paths = json::object();
  for (const ResourceType* t : registry.All()) {
    if (GroupVersionPath(t->group, t->version) != group_version_path) continue;
    std::string item =
        absl::StrCat("/", group_version_path, t->namespaced ? "/namespaces/{namespace}/" : "/",
                     t->plural, "/{name}");
    json gvk = {{"group", t->group}, {"version", t->version}, {"kind", t->kind}};
    json param = {{"name", "fieldValidation"},
                  {"in", "query"},
                  {"description", "How the server treats unknown or duplicate fields."},
                  {"schema", {{"type", "string"}}},
                  {"uniqueItems", true}};
    json op = {{"x-kubernetes-group-version-kind", gvk},
               {"x-kubernetes-action", "patch"},
               {"parameters", {param}},
               {"responses", {{"200", {{"description", "OK"}}}}}};
    json put = op;
    put["x-kubernetes-action"] = "put";
    paths[item] = {{"patch", op}, {"put", put}};
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", kKubernetesGitVersion}}},
              {"paths", paths},
              // Every type in every document: a group's kinds refer to
              // meta/v1's and core/v1's, and the whole table is small.
              {"components", {{"schemas", SchemaDefinitions("#/components/schemas/")}}}};
}

json OpenApiV2(const ResourceRegistry& registry) {
  json paths = json::object();
  for (const auto& [g, v] : registry.GroupVersions()) {
    auto doc = OpenApiV3Document(registry, GroupVersionPath(g, v));
    if (!doc) continue;
    for (auto& [path, operations] : (*doc)["paths"].items()) {
      for (json& op : operations)
        for (json& param : op["parameters"]) {  // v2 has the type beside the name
          param["type"] = param["schema"]["type"];
          param.erase("schema");
        }
      paths[path] = operations;
    }
  }
  return {{"swagger", "2.0"},
          {"info", {{"title", "Kubernetes"}, {"version", kKubernetesGitVersion}}},
          {"paths", paths},
          {"definitions", SchemaDefinitions("#/definitions/")}};
}

}  // namespace sluice::apiserver
