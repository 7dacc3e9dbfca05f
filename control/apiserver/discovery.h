// The discovery documents kubectl reads before anything else: /version, /api,
// /apis and each group version's APIResourceList, and the OpenAPI v3 index
// whose PATCH operations tell kubectl that the server validates fields itself
// (?fieldValidation=), so `kubectl create/apply` need no --validate=false.
#ifndef SLUICE_CONTROL_APISERVER_DISCOVERY_H_
#define SLUICE_CONTROL_APISERVER_DISCOVERY_H_

#include <optional>
#include <string>

#include "control/apiserver/resource_type.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// The Kubernetes version whose API this server follows.
inline constexpr char kKubernetesMajor[] = "1";
inline constexpr char kKubernetesMinor[] = "32";
inline constexpr char kKubernetesGitVersion[] = "v1.32.0+sluice";

nlohmann::json VersionInfo();
nlohmann::json CoreApiVersions(const std::string& server_address);
nlohmann::json ApiGroupList(const ResourceRegistry& registry);
// /apis/<group>; nullopt when the group is not served.
std::optional<nlohmann::json> ApiGroup(const ResourceRegistry& registry, const std::string& group);
// /api/v1 or /apis/<group>/<version>; nullopt when not served.
std::optional<nlohmann::json> ApiResourceList(const ResourceRegistry& registry,
                                              const std::string& group, const std::string& version);

// /openapi/v3 and /openapi/v3/<api/v1 | apis/group/version>.
nlohmann::json OpenApiV3Index(const ResourceRegistry& registry);
std::optional<nlohmann::json> OpenApiV3Document(const ResourceRegistry& registry,
                                                const std::string& group_version_path);
// /openapi/v2: swagger 2.0 as JSON, from the same schemas.
nlohmann::json OpenApiV2(const ResourceRegistry& registry);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_DISCOVERY_H_
