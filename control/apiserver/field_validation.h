// Unknown fields in a written object, found by the schemas of
// openapi_schemas.h: ?fieldValidation=Strict rejects them, Warn reports them
// in Warning headers, Ignore drops them silently. They are dropped in every
// mode, as Kubernetes' decoder drops them.
#ifndef SLUICE_CONTROL_APISERVER_FIELD_VALIDATION_H_
#define SLUICE_CONTROL_APISERVER_FIELD_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/apiserver/openapi_schemas.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

// The ?fieldValidation= value; empty is Warn, Kubernetes' default.
absl::StatusOr<FieldValidation> ParseFieldValidation(const std::string& value);

// Removes from `object` the fields `type` does not declare and returns their
// paths as Kubernetes names them ("spec.ports[0].portz"). Maps, "any" fields
// and types the table knows only in part keep what they hold. With `patch`,
// strategic merge directives ("$patch", "$setElementOrder/ports") are not
// fields.
std::vector<std::string> PruneUnknownFields(const SchemaType& type, nlohmann::json& object,
                                            bool patch = false);

// PruneUnknownFields by mode: a 400 BadRequest naming every unknown field
// in Strict; otherwise the Warning texts to send (none in Ignore).
absl::StatusOr<std::vector<std::string>> CheckFields(const SchemaType& type, nlohmann::json& object,
                                                     FieldValidation mode, bool patch = false);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_FIELD_VALIDATION_H_
