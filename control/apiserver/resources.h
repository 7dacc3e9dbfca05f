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

// A control/k8s parser's InvalidArgument "<field path>: <message>" as a cause.
StatusCause CauseFromParseError(const absl::Status& status);
// metadata.name must pass `check` (CheckDns1123Label, ...).
void ValidateName(const nlohmann::json& object, std::string (*check)(absl::string_view),
                  std::vector<StatusCause>* causes);
// Text of a cell helper: the string at a JSON pointer, or `def`.
std::string StringAt(const nlohmann::json& object, const char* pointer, const std::string& def);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_RESOURCES_H_
