// Server-side apply and metadata.managedFields: which field manager set which
// fields, in Kubernetes' FieldsV1 encoding (structured-merge-diff's
// "f:<name>", "k:<keys as JSON>", "v:<value>" and "." for a list item
// itself). Associative lists are the ones patch.h knows the keys of; every
// other list is atomic.
#ifndef SLUICE_CONTROL_APISERVER_APPLY_H_
#define SLUICE_CONTROL_APISERVER_APPLY_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// A field's path: "f:spec", "f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}",
// "f:targetPort", ...
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

// The fields an object (or applied configuration) sets: leaves, atomic lists
// and items of associative lists, without what the server owns (kind,
// apiVersion, status, metadata's name, namespace, uid, ...). BadRequest for
// an associative list item without its key.
absl::StatusOr<FieldSet> FieldsOf(const nlohmann::json& object, absl::string_view kind);

// FieldsV1 JSON and back.
nlohmann::json EncodeFields(const FieldSet& fields);
FieldSet DecodeFields(const nlohmann::json& fields_v1);

// ".spec.ports[port=80,protocol=\"TCP\"].targetPort", as Kubernetes prints it.
std::string FieldPathString(const FieldPath& path);

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string api_version;
  absl::Time now;
};

struct ApplyConflict {
  std::string manager;
  std::string field;  // FieldPathString
};

// `applied` (a configuration) merged into `live` (an empty object when there
// is none yet) for `request.manager`, with managedFields updated: fields the
// manager applied before and leaves out now go unless another manager owns
// them. A field another manager owns with a different value is a conflict
// (listed in `conflicts`, nothing merged) unless `force`, which takes it.
absl::StatusOr<nlohmann::json> MergeApplied(const nlohmann::json& live,
                                            const nlohmann::json& applied, absl::string_view kind,
                                            const ApplyRequest& request,
                                            std::vector<ApplyConflict>* conflicts);

// Records a create, update or patch by `manager` (operation Update): the
// fields it changed from `old` (null for a create) are its, and no longer
// other managers'. `object` keeps the managedFields it has, else `old`'s.
absl::Status RecordUpdate(const nlohmann::json& old, nlohmann::json& object, absl::string_view kind,
                          absl::string_view manager, absl::Time now);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_APPLY_H_
