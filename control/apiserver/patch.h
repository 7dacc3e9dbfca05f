// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch as kubectl apply and kubectl patch send it.
//
// Strategic merge patch here knows the merge keys of the served types' lists
// (Service ports by port, and the metadata lists) and the directives kubectl
// emits ($patch: delete/replace/merge, $setElementOrder, $retainKeys,
// $deleteFromPrimitiveList); other lists are replaced, as for atomic lists.
#ifndef SLUICE_CONTROL_APISERVER_PATCH_H_
#define SLUICE_CONTROL_APISERVER_PATCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// kApply (server-side apply) is not a patch of the object: see apply.h.
enum class PatchType { kMerge, kJson, kStrategic, kApply };

// From the request's Content-Type; UnsupportedMediaType for others.
absl::StatusOr<PatchType> PatchTypeOf(absl::string_view content_type);

// The patched object; BadRequest for a malformed patch or one that cannot
// apply. `kind` selects the strategic merge keys.
absl::StatusOr<nlohmann::json> ApplyPatch(const nlohmann::json& current, absl::string_view body,
                                          PatchType type, absl::string_view kind);

// The keys of an associative list at `path` (field names joined by ".",
// without list indexes) in a `kind`; empty for atomic lists. The first is
// strategic merge's patchMergeKey.
std::vector<std::string> ListKeysOf(absl::string_view kind, absl::string_view path);
// Lists of scalars merged as sets (metadata.finalizers).
bool IsPrimitiveSet(absl::string_view path);
// `patch` merged into `current` as a strategic merge patch.
absl::StatusOr<nlohmann::json> StrategicMerge(const nlohmann::json& current,
                                              const nlohmann::json& patch, absl::string_view kind);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PATCH_H_
