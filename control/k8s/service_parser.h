// Reads and validates a core/v1 Service.
#ifndef SLUICE_CONTROL_K8S_SERVICE_PARSER_H_
#define SLUICE_CONTROL_K8S_SERVICE_PARSER_H_

#include "absl/status/statusor.h"
#include "control/k8s/field_reader.h"
#include "control/k8s/service.h"

namespace sluice::k8s {

// Rejects what would mislead the dataplane (bad ports, protocols, addresses,
// clusterIP and clusterIPs that disagree, duplicate ports); fields the proxy
// does not act on are not validated.
absl::StatusOr<Service> ParseService(const FieldReader& object);

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_SERVICE_PARSER_H_
