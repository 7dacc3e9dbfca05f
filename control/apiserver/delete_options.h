// The DeleteOptions of a DELETE request, from its body or (without one) its
// query, as Kubernetes reads them: propagationPolicy or the legacy
// orphanDependents, and preconditions on uid and resourceVersion.
// gracePeriodSeconds is accepted and has nothing to act on (objects go at
// once).
#ifndef SLUICE_CONTROL_APISERVER_DELETE_OPTIONS_H_
#define SLUICE_CONTROL_APISERVER_DELETE_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "control/apiserver/http_types.h"

namespace sluice::apiserver {

// The garbage collector's finalizers (metav1.FinalizerOrphanDependents and
// FinalizerDeleteDependents): an owner deleted with propagationPolicy Orphan
// or Foreground carries one until the collector has done its part.
inline constexpr char kOrphanFinalizer[] = "orphan";
inline constexpr char kForegroundFinalizer[] = "foregroundDeletion";

inline constexpr char kPropagationOrphan[] = "Orphan";
inline constexpr char kPropagationBackground[] = "Background";
inline constexpr char kPropagationForeground[] = "Foreground";

struct DeleteOptions {
  // Orphan, Background or Foreground; empty: the object's own garbage
  // collector finalizers stay as they are (Background when it has none).
  std::string propagation_policy;
  // Preconditions: the delete is a 409 Conflict unless they hold.
  std::string uid;
  std::string resource_version;
};

// 400 for a body that is not DeleteOptions or has fields of the wrong type,
// 422 (as Kubernetes' ValidateDeleteOptions) for an unknown policy or one
// given both ways.
absl::StatusOr<DeleteOptions> ParseDeleteOptions(const HttpRequest& request);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_DELETE_OPTIONS_H_
