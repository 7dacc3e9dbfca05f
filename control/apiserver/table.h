// Server-side printing: meta.k8s.io/v1 Table responses, which `kubectl get`
// asks for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) and prints
// without knowing the type.
#ifndef SLUICE_CONTROL_APISERVER_TABLE_H_
#define SLUICE_CONTROL_APISERVER_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "control/apiserver/resource_type.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// What the client's Accept header asks for.
struct OutputFormat {
  bool table = false;
  std::string table_version = "v1";  // "v1" or "v1beta1", as asked
};
OutputFormat NegotiateOutput(absl::string_view accept);

// ?includeObject= of a Table request: "None", "Metadata" (default), "Object".
struct TableOptions {
  std::string include_object = "Metadata";
  bool with_columns = true;  // watch events after the first leave them out
  std::string table_version = "v1";
};

// The type's columns, the -o wide ones (priority 1) included.
nlohmann::json ToTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                       const TableOptions& options, absl::Time now);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_TABLE_H_
