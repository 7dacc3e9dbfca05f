// The served resource types, one function each, so that DefaultRegistry is a
// list and each type's rules sit in their own file.
#ifndef SLUICE_CONTROL_APISERVER_RESOURCES_H_
#define SLUICE_CONTROL_APISERVER_RESOURCES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "control/apiserver/resource_type.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

ResourceType NamespaceResource();
ResourceType ConfigMapResource();
ResourceType ServiceResource();
ResourceType EndpointSliceResource();
ResourceType NodeResource();
ResourceType PodResource();
ResourceType EndpointsResource();
ResourceType EventResource();
ResourceType SecretResource();
ResourceType ServiceAccountResource();
ResourceType DeploymentResource();
ResourceType ReplicaSetResource();
ResourceType LeaseResource();

// A control/k8s parser's InvalidArgument "<field path>: <message>" as a cause.
StatusCause CauseFromParseError(const absl::Status& status);
// metadata.name must pass `check` (CheckDns1123Label, ...).
void ValidateName(const nlohmann::json& object, std::string (*check)(absl::string_view),
                  std::vector<StatusCause>* causes);
// Text of a cell helper: the string at a JSON pointer, or `def`.
std::string StringAt(const nlohmann::json& object, const char* pointer, const std::string& def);
// The integer at a JSON pointer, or `def` when absent or not an integer.
int64_t IntAt(const nlohmann::json& object, const char* pointer, int64_t def);
// The array at a JSON pointer, or an empty one.
const nlohmann::json& ArrayAt(const nlohmann::json& object, const char* pointer);

// parent[name] as an object, made one if missing or not an object.
nlohmann::json& ObjectField(nlohmann::json& parent, const char* name);
// object[field] = value unless the field is set (null counts as unset).
void SetDefault(nlohmann::json& object, const char* field, const nlohmann::json& value);

// Field errors worded as Kubernetes' field.Error renders them.
StatusCause Required(const std::string& field);
StatusCause Invalid(const std::string& field, const nlohmann::json& value,
                    const std::string& detail);
StatusCause Duplicate(const std::string& field, const nlohmann::json& value);
StatusCause NotSupported(const std::string& field, const nlohmann::json& value,
                         const std::vector<std::string>& supported);
// "field is immutable" when `pointer` differs between object and old.
void CheckImmutable(const nlohmann::json& object, const nlohmann::json& old, const char* pointer,
                    const std::string& field, std::vector<StatusCause>* causes);
// A non-negative integer at `pointer`, when set.
void CheckNonNegative(const nlohmann::json& object, const char* pointer, const std::string& field,
                      std::vector<StatusCause>* causes);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_RESOURCES_H_
