#include "control/k8s/common_fields.h"

namespace sluice::k8s {

absl::StatusOr<ObjectMeta> ReadObjectMeta(const FieldReader& object) {
  SLUICE_ASSIGN_OR_RETURN(FieldReader metadata, object.Child("metadata"));
  ObjectMeta meta;
  SLUICE_RETURN_IF_ERROR(metadata.ReadString("name", &meta.name));
  // Without a name, the dataplane would get services called "default/:http".
  if (meta.name.empty()) return metadata.ErrorAt("name", "required");
  SLUICE_RETURN_IF_ERROR(metadata.ReadString("namespace", &meta.namespace_name));
  if (meta.namespace_name.empty()) meta.namespace_name = "default";
  SLUICE_RETURN_IF_ERROR(metadata.ReadStringMap("labels", &meta.labels));
  SLUICE_RETURN_IF_ERROR(metadata.ReadStringMap("annotations", &meta.annotations));
  return meta;
}

absl::Status ReadProtocol(const FieldReader& reader, absl::string_view field, Protocol* out) {
  return ReadEnum<Protocol>(
      reader, field, {{"TCP", Protocol::kTCP}, {"UDP", Protocol::kUDP}, {"SCTP", Protocol::kSCTP}},
      out);
}

absl::StatusOr<IpAddress> ParseIpAt(absl::string_view text, absl::string_view path) {
  // IpAddress::Parse stops at a NUL, which YAML's "\0" escape can put inside a string.
  if (text.find('\0') != absl::string_view::npos) {
    return FieldError(path, "is not a valid IP address");
  }
  absl::StatusOr<IpAddress> address = IpAddress::Parse(text);
  if (!address.ok()) return FieldError(path, address.status().message());
  return address;
}

absl::Status ReadIpList(const FieldReader& reader, absl::string_view field,
                        std::vector<IpAddress>* out) {
  std::vector<std::string> texts;
  SLUICE_RETURN_IF_ERROR(reader.ReadStringList(field, &texts));
  std::vector<IpAddress> addresses;
  for (size_t i = 0; i < texts.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(IpAddress address,
                            ParseIpAt(texts[i], IndexPath(reader.PathOf(field), i)));
    addresses.push_back(address);
  }
  *out = std::move(addresses);
  return absl::OkStatus();
}

}  // namespace sluice::k8s
