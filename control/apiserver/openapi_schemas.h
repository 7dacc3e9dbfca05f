// The schemas of the served types as one compact table: the OpenAPI v3 and
// v2 documents (`kubectl explain`) and the server's field validation
// (?fieldValidation=Strict|Warn|Ignore) are both read from it.
#ifndef SLUICE_CONTROL_APISERVER_OPENAPI_SCHEMAS_H_
#define SLUICE_CONTROL_APISERVER_OPENAPI_SCHEMAS_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// One field. `type` is "string", "integer", "int64", "number", "boolean",
// "time" (RFC 3339 string), "int-or-string", "map" (string to string),
// "any" (kept as sent), "[]X" (an array of X) or the short name of another
// SchemaType ("ObjectMeta").
struct SchemaField {
  const char* name;
  const char* type;
  const char* description;
  const char* patch_merge_key = "";  // arrays merged by this key
  const char* patch_strategy = "";   // "merge", "retainKeys", ...
};

struct SchemaType {
  const char* name;  // the OpenAPI name, "io.k8s.api.core.v1.Service"
  const char* description;
  std::vector<SchemaField> fields;
  // False when the table lists only some of Kubernetes' fields: the
  // documents still show them, but validation leaves unknown ones alone.
  bool complete = true;
  const char* group = "";  // a kind's group version (x-kubernetes-group-version-kind)
  const char* version = "";
  const char* kind = "";
};

// The descriptions every kind's apiVersion, kind and metadata share.
inline constexpr char kSchemaApiVersion[] =
    "Versioned schema of this object; the server converts to it.";
inline constexpr char kSchemaKind[] = "The REST resource this object is, in CamelCase.";
inline constexpr char kSchemaMetadata[] = "Standard object metadata: name, namespace, labels, ...";

const std::vector<SchemaType>& SchemaTypes();
// The part of the table in openapi_schemas_core.cc (Nodes, Endpoints, Events).
std::vector<SchemaType> NodeEndpointsEventSchemaTypes();
// By short name ("ServiceSpec") or full name; nullptr when unknown.
const SchemaType* FindSchemaType(const std::string& name);
// The type of a kind served under group/version; nullptr when none.
const SchemaType* FindKindSchema(const std::string& group, const std::string& version,
                                 const std::string& kind);

// components/schemas of OpenAPI v3 ("#/components/schemas/") or the
// definitions of swagger 2.0 ("#/definitions/").
nlohmann::json SchemaDefinitions(const std::string& ref_prefix);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_OPENAPI_SCHEMAS_H_
