// ResourceHandler::Handle: from HTTP to the verbs and back, with Tables for
// `kubectl get` and Status bodies for errors.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/field_validation.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/table.h"
#include "control/apiserver/watch.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

HttpResponse Render(absl::StatusOr<json> result, int success_code, const ResourceType& type,
                    const HttpRequest& request, absl::Time now) {
  if (!result.ok()) return StatusResponse(result.status());
  OutputFormat format = NegotiateOutput(request.accept);
  // A Scale is not the type's object, and kubectl takes it as it is.
  std::string kind = result->value("kind", "");
  if (format.table && request.method == "GET" && (kind == type.kind || kind == type.ListKind())) {
    std::vector<json> objects;
    json list_meta = json::object();
    if (result->contains("items")) {
      for (json& item : (*result)["items"]) objects.push_back(std::move(item));
      list_meta = (*result)["metadata"];
    } else {
      objects.push_back(*result);
    }
    json table = ToTable(type, objects,
                         {.include_object = request.Query("includeObject", "Metadata"),
                          .table_version = format.table_version},
                         now);
    if (!list_meta.empty())
      table["metadata"] = list_meta;
    else
      table["metadata"] = {{"resourceVersion", (*result)["metadata"]["resourceVersion"]}};
    return {.status = 200, .body = table.dump()};
  }
  return {.status = success_code, .body = result->dump()};
}

// Unknown fields by ?fieldValidation= (field_validation.h): dropped from
// `body`, an error in Strict, `warnings` in Warn.
absl::Status CheckBodyFields(const ResourceType& type, const HttpRequest& request, json& body,
                             bool patch, std::vector<std::string>& warnings) {
  auto mode = ParseFieldValidation(request.Query("fieldValidation"));
  if (!mode.ok()) return mode.status();
  const SchemaType* schema = FindKindSchema(type.group, type.version, type.kind);
  if (schema == nullptr) return absl::OkStatus();
  auto texts = CheckFields(*schema, body, *mode, patch);
  if (!texts.ok()) return texts.status();
  warnings = *std::move(texts);
  return absl::OkStatus();
}

// A merge or strategic merge patch is checked like an object; JSON patches
// and apply configurations pass as they are.
absl::StatusOr<std::string> CheckPatchFields(const ResourceType& type, const HttpRequest& request,
                                             std::vector<std::string>& warnings) {
  if (!absl::StartsWith(request.content_type, "application/merge-patch+json") &&
      !absl::StartsWith(request.content_type, "application/strategic-merge-patch+json"))
    return request.body;
  json patch = json::parse(request.body, nullptr, false);
  if (!patch.is_object()) return request.body;  // the patch code words the error
  absl::Status checked = CheckBodyFields(type, request, patch, true, warnings);
  if (!checked.ok()) return checked;
  return patch.dump();
}

HttpResponse WithWarnings(HttpResponse response, std::vector<std::string> warnings) {
  response.warnings = std::move(warnings);
  return response;
}

bool IsTrue(const std::string& v) {
  return v == "1" || v == "true";
}

// ?fieldManager, else the User-Agent's program ("kubectl/v1.30.0 (...)" is
// "kubectl"), as Kubernetes names the manager of a write.
WriteOptions WriteOptionsOf(const HttpRequest& request) {
  WriteOptions options{.field_manager = request.Query("fieldManager"),
                       .force = request.Query("force") == "true"};
  if (options.field_manager.empty())
    options.field_manager = request.user_agent.substr(0, request.user_agent.find('/'));
  return options;
}

}  // namespace

HttpResponse ResourceHandler::Handle(const ResourcePath& path, const HttpRequest& request) {
  const ResourceType& type = *path.type;
  const std::string& method = request.method;
  if (!request.Query("dryRun").empty())
    return StatusResponse(BadRequestError("dryRun is not supported by this server yet"));
  if (!path.subresource.empty()) return HandleSubresource(path, request);
  if (method == "GET") {
    if (IsTrue(request.Query("watch")))
      return ServeWatch(store_, path, request, WatchConfig{.shared_lines = watch_lines_}, clock_);
    if (!path.name.empty()) return Render(Get(path), 200, type, request, clock_());
    ListParams params{.label_selector = request.Query("labelSelector"),
                      .field_selector = request.Query("fieldSelector"),
                      .continue_token = request.Query("continue")};
    std::string limit = request.Query("limit");
    if (!limit.empty() && (!absl::SimpleAtoi(limit, &params.limit) || params.limit < 0))
      return StatusResponse(BadRequestError(absl::StrCat("invalid limit \"", limit, "\"")));
    if (NegotiateOutput(request.accept).table)
      return Render(List(path, params), 200, type, request, clock_());
    absl::StatusOr<std::string> list = ListJson(path, params);
    if (!list.ok()) return StatusResponse(list.status());
    return {.status = 200, .body = *std::move(list)};
  }
  std::vector<std::string> warnings;
  if (method == "POST" && path.name.empty()) {
    auto body = ParseBody(request.body, request.content_type);
    if (!body.ok()) return StatusResponse(body.status());
    absl::Status checked = CheckBodyFields(type, request, *body, false, warnings);
    if (!checked.ok()) return StatusResponse(checked);
    return WithWarnings(Render(Create(path, *std::move(body), WriteOptionsOf(request)), 201, type,
                               request, clock_()),
                        std::move(warnings));
  }
  if (method == "PUT" && !path.name.empty()) {
    auto body = ParseBody(request.body, request.content_type);
    if (!body.ok()) return StatusResponse(body.status());
    absl::Status checked = CheckBodyFields(type, request, *body, false, warnings);
    if (!checked.ok()) return StatusResponse(checked);
    return WithWarnings(Render(Update(path, *std::move(body), WriteOptionsOf(request)), 200, type,
                               request, clock_()),
                        std::move(warnings));
  }
  if (method == "PATCH" && !path.name.empty()) {
    auto patch = CheckPatchFields(type, request, warnings);
    if (!patch.ok()) return StatusResponse(patch.status());
    bool created = false;  // server-side apply made the object: 201, as Kubernetes answers
    absl::StatusOr<json> patched =
        Patch(path, *patch, request.content_type, WriteOptionsOf(request), &created);
    return WithWarnings(Render(std::move(patched), created ? 201 : 200, type, request, clock_()),
                        std::move(warnings));
  }
  if (method == "DELETE" && !path.name.empty()) {
    auto options = ParseDeleteOptions(request);
    if (!options.ok()) return StatusResponse(options.status());
    return Render(Delete(path, *options), 200, type, request, clock_());
  }
  return StatusResponse(MethodNotAllowedError(absl::StrCat(
      method, " is not supported on ", path.name.empty() ? "the collection " : "", type.plural)));
}

// GET, PUT and PATCH on /status and /scale; POST on /binding.
HttpResponse ResourceHandler::HandleSubresource(const ResourcePath& path,
                                                const HttpRequest& request) {
  const ResourceType& type = *path.type;
  const std::string& method = request.method;
  bool scale = path.subresource == "scale";
  if (path.subresource == "binding") {
    if (method != "POST")
      return StatusResponse(MethodNotAllowedError(
          absl::StrCat(method, " is not supported on ", type.plural, "/binding")));
    auto body = ParseBody(request.body, request.content_type);
    if (!body.ok()) return StatusResponse(body.status());
    absl::Status bound = Bind(path, *std::move(body));
    if (!bound.ok()) return StatusResponse(bound);
    // As Kubernetes answers a binding: a Status of Success.
    return {.status = 201,
            .body = json({{"kind", "Status"},
                          {"apiVersion", "v1"},
                          {"metadata", json::object()},
                          {"status", "Success"},
                          {"code", 201}})
                        .dump()};
  }
  if (method == "GET")
    return Render(scale ? GetScale(path) : Get(path), 200, type, request, clock_());
  if (method == "PUT") {
    auto body = ParseBody(request.body, request.content_type);
    if (!body.ok()) return StatusResponse(body.status());
    return Render(scale ? UpdateScale(path, *std::move(body))
                        : Update(path, *std::move(body), WriteOptionsOf(request)),
                  200, type, request, clock_());
  }
  if (method == "PATCH")
    return Render(scale ? PatchScale(path, request.body, request.content_type)
                        : Patch(path, request.body, request.content_type, WriteOptionsOf(request)),
                  200, type, request, clock_());
  return StatusResponse(MethodNotAllowedError(
      absl::StrCat(method, " is not supported on ", type.plural, "/", path.subresource)));
}

}  // namespace sluice::apiserver
