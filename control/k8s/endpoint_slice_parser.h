// Reads and validates a discovery.k8s.io/v1 EndpointSlice.
#ifndef SLUICE_CONTROL_K8S_ENDPOINT_SLICE_PARSER_H_
#define SLUICE_CONTROL_K8S_ENDPOINT_SLICE_PARSER_H_

#include "absl/status/statusor.h"
#include "control/k8s/endpoint_slice.h"
#include "control/k8s/field_reader.h"

namespace sluice::k8s {

// Rejects an unknown or missing addressType, endpoints without addresses,
// addresses of the wrong family, bad conditions, ports and protocols.
absl::StatusOr<EndpointSlice> ParseEndpointSlice(const FieldReader& object);

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_ENDPOINT_SLICE_PARSER_H_
