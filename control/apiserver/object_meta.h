// ObjectMeta rules every resource shares: name formats, generateName, uid,
// timestamps, and the human ages of `kubectl get`.
#ifndef SLUICE_CONTROL_APISERVER_OBJECT_META_H_
#define SLUICE_CONTROL_APISERVER_OBJECT_META_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "control/apiserver/api_error.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// Kubernetes' IsDNS1123Label (namespaces, Service names with 1035 rules
// checked separately) and IsDNS1123Subdomain (most other names). Empty when
// valid, else the message Kubernetes gives.
std::string CheckDns1123Label(absl::string_view name);
std::string CheckDns1123Subdomain(absl::string_view name);
// Services: a DNS-1035 label (starts with a letter).
std::string CheckDns1035Label(absl::string_view name);

// Label keys ([prefix/]name) and values, and annotation keys.
void ValidateMetadata(const nlohmann::json& metadata, std::vector<StatusCause>* causes);

// generateName plus five random characters from Kubernetes' alphabet.
std::string GenerateName(absl::string_view base);
std::string NewUid();
// RFC 3339 in UTC at second precision, as metav1.Time marshals.
std::string FormatTimestamp(absl::Time t);
// "45s", "3m", "2d4h", as kubectl's HumanDuration; "<unknown>" for bad input.
std::string HumanAge(absl::string_view creation_timestamp, absl::Time now);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_OBJECT_META_H_
