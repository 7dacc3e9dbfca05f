// Small readers of a Service's JSON spec, shared by the allocators and the
// controllers.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_JSON_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice::controllers {

// The string at `key` of `object`, or "" when absent or not a string.
std::string StringField(const nlohmann::json& object, const char* key);
// The strings of the array at `key`; other entries are skipped.
std::vector<std::string> StringList(const nlohmann::json& object, const char* key);
// spec.clusterIPs, or [spec.clusterIP] for objects written before dual-stack.
std::vector<std::string> ClusterIps(const nlohmann::json& spec);

// Whether `object` has an integer at `key`.
bool HasInt(const nlohmann::json& object, const char* key);
// The node ports `spec` holds: each port's and the health check's.
std::vector<int64_t> NodePortsOf(const nlohmann::json& spec);

// Which allocations a Service of this spec holds (Kubernetes' needsClusterIP,
// needsNodePort, needsHCNodePort).
bool NeedsClusterIp(const nlohmann::json& spec);
bool NeedsNodePorts(const nlohmann::json& spec);
bool NeedsHealthCheckNodePort(const nlohmann::json& spec);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_SERVICE_JSON_H_
