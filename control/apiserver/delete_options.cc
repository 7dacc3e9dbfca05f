#include "control/apiserver/delete_options.h"

#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/resources.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// The fields of a DeleteOptions body (or the query's, put in the same shape).
absl::StatusOr<json> OptionFields(const HttpRequest& request) {
  if (request.body.empty()) {
    json fields = json::object();
    if (std::string policy = request.Query("propagationPolicy"); !policy.empty())
      fields["propagationPolicy"] = policy;
    if (std::string orphan = request.Query("orphanDependents"); !orphan.empty()) {
      if (orphan != "true" && orphan != "false")
        return BadRequestError(
            absl::StrCat("orphanDependents: invalid boolean \"", orphan, "\" in the query"));
      fields["orphanDependents"] = orphan == "true";
    }
    return fields;
  }
  SLUICE_ASSIGN_OR_RETURN(
      json body, ParseBody(request.body, request.content_type.empty() ? "application/json"
                                                                      : request.content_type));
  std::string kind = StringAt(body, "/kind", "DeleteOptions");
  if (kind != "DeleteOptions")
    return BadRequestError(absl::StrCat("the body of a delete must be DeleteOptions, not ", kind));
  return body;
}

// Sets `out` from body[field] when it is a string; null and absent leave it.
absl::Status ReadString(const json& body, const char* field, const std::string& path,
                        std::string* out) {
  if (!body.contains(field) || body[field].is_null()) return absl::OkStatus();
  if (!body[field].is_string())
    return BadRequestError(absl::StrCat("DeleteOptions.", path, ": must be a string"));
  *out = body[field].get<std::string>();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeleteOptions> ParseDeleteOptions(const HttpRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(json body, OptionFields(request));
  DeleteOptions options;
  bool has_policy = body.contains("propagationPolicy") && !body["propagationPolicy"].is_null();
  SLUICE_RETURN_IF_ERROR(
      ReadString(body, "propagationPolicy", "propagationPolicy", &options.propagation_policy));
  const json orphan = body.value("orphanDependents", json());
  if (!orphan.is_null() && !orphan.is_boolean())
    return BadRequestError("DeleteOptions.orphanDependents: must be a boolean");
  const json preconditions = body.value("preconditions", json());
  if (!preconditions.is_null()) {
    if (!preconditions.is_object())
      return BadRequestError("DeleteOptions.preconditions: must be an object");
    SLUICE_RETURN_IF_ERROR(ReadString(preconditions, "uid", "preconditions.uid", &options.uid));
    SLUICE_RETURN_IF_ERROR(ReadString(preconditions, "resourceVersion",
                                      "preconditions.resourceVersion", &options.resource_version));
  }
  if (const json& grace = body.value("gracePeriodSeconds", json());
      !grace.is_null() && !grace.is_number_integer())
    return BadRequestError("DeleteOptions.gracePeriodSeconds: must be an integer");

  std::vector<StatusCause> causes;
  if (has_policy && !orphan.is_null())
    causes.push_back(Invalid("propagationPolicy", options.propagation_policy,
                             "orphanDependents and deletionPropagation cannot be both set"));
  else if (has_policy && options.propagation_policy != kPropagationForeground &&
           options.propagation_policy != kPropagationBackground &&
           options.propagation_policy != kPropagationOrphan)
    causes.push_back(
        NotSupported("propagationPolicy", options.propagation_policy,
                     {kPropagationForeground, kPropagationBackground, kPropagationOrphan}));
  if (!causes.empty())
    return InvalidError({.group = "meta.k8s.io", .kind = "", .name = ""}, "DeleteOptions",
                        std::move(causes));
  // The legacy field: true orphans, false collects in the background.
  if (orphan.is_boolean())
    options.propagation_policy = orphan.get<bool>() ? kPropagationOrphan : kPropagationBackground;
  return options;
}

}  // namespace sluice::apiserver
