// Fields that Services and EndpointSlices share: metadata, protocols, IP
// addresses and enumerations spelled as strings.
#ifndef SLUICE_CONTROL_K8S_COMMON_FIELDS_H_
#define SLUICE_CONTROL_K8S_COMMON_FIELDS_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "control/k8s/field_reader.h"
#include "control/k8s/object_meta.h"
#include "dataplane/ip_address.h"
#include "dataplane/service_model.h"

namespace sluice::k8s {

// metadata of `object`; metadata.name is required.
absl::StatusOr<ObjectMeta> ReadObjectMeta(const FieldReader& object);

// TCP (the default when absent), UDP or SCTP.
absl::Status ReadProtocol(const FieldReader& reader, absl::string_view field, Protocol* out);

// `text` as an address; the error names `path`.
absl::StatusOr<IpAddress> ParseIpAt(absl::string_view text, absl::string_view path);

// A list of addresses, e.g. spec.externalIPs.
absl::Status ReadIpList(const FieldReader& reader, absl::string_view field,
                        std::vector<IpAddress>* out);

// A string field whose value is one of `names`. An absent or empty field
// leaves `out` unchanged, as Kubernetes defaulting does.
template <typename E>
absl::Status ReadEnum(const FieldReader& reader, absl::string_view field,
                      std::initializer_list<std::pair<absl::string_view, E>> names, E* out) {
  std::string text;
  SLUICE_RETURN_IF_ERROR(reader.ReadString(field, &text));
  if (text.empty()) return absl::OkStatus();
  std::vector<absl::string_view> spellings;
  for (const auto& [name, value] : names) {
    if (name == text) {
      *out = value;
      return absl::OkStatus();
    }
    spellings.push_back(name);
  }
  return reader.ErrorAt(
      field, absl::StrCat("\"", text, "\" is not one of ", absl::StrJoin(spellings, ", ")));
}

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_COMMON_FIELDS_H_
