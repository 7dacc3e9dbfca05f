// Loads the Services and EndpointSlices of a file as `kubectl get
// svc,endpointslices -A -o yaml` (or `-o json`) prints it: a List with items,
// a typed list (ServiceList, EndpointSliceList) or a multi-document YAML stream.
#ifndef SLUICE_CONTROL_K8S_OBJECTS_H_
#define SLUICE_CONTROL_K8S_OBJECTS_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/k8s/endpoint_slice.h"
#include "control/k8s/service.h"

namespace sluice::k8s {

struct Objects {
  std::vector<Service> services;
  std::vector<EndpointSlice> endpoint_slices;
  // Objects of other kinds (Pods, ConfigMaps, ...), counted per kind so that a
  // caller can say what it skipped.
  std::map<std::string, size_t> ignored_kinds;

  size_t IgnoredCount() const;
};

// Errors are InvalidArgument (NotFound for a missing file) and read
// "<source>: [document N: ]<field path>: <problem>", e.g.
// "objects.yaml: items[3].spec.ports[0].port: must be between 1 and 65535".
absl::StatusOr<Objects> LoadObjectsFile(const std::string& path);
absl::StatusOr<Objects> LoadObjectsText(absl::string_view text, absl::string_view source_name);

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_OBJECTS_H_
