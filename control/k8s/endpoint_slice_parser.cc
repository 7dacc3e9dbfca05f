#include "control/k8s/endpoint_slice_parser.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/k8s/common_fields.h"
#include "control/status_macros.h"

namespace sluice::k8s {
namespace {

constexpr int64_t kMaxPort = 65535;

absl::Status ReadAddresses(const FieldReader& endpoint, AddressType type, Endpoint* out) {
  std::vector<std::string> texts;
  SLUICE_RETURN_IF_ERROR(endpoint.ReadStringList("addresses", &texts));
  if (texts.empty()) return endpoint.ErrorAt("addresses", "must hold at least one address");
  if (type == AddressType::kFQDN) {
    out->fqdn_addresses = std::move(texts);
    return absl::OkStatus();
  }
  const IpFamily want = type == AddressType::kIPv4 ? IpFamily::kV4 : IpFamily::kV6;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string path = IndexPath(endpoint.PathOf("addresses"), i);
    SLUICE_ASSIGN_OR_RETURN(IpAddress address, ParseIpAt(texts[i], path));
    if (address.family() != want) {
      return FieldError(path, absl::StrCat("\"", texts[i], "\" is not an ",
                                           want == IpFamily::kV4 ? "IPv4" : "IPv6",
                                           " address, as addressType says"));
    }
    out->addresses.push_back(address);
  }
  return absl::OkStatus();
}

absl::StatusOr<Endpoint> ParseEndpoint(const FieldReader& endpoint, AddressType type) {
  Endpoint parsed;
  SLUICE_RETURN_IF_ERROR(ReadAddresses(endpoint, type, &parsed));
  SLUICE_ASSIGN_OR_RETURN(FieldReader conditions, endpoint.Child("conditions"));
  SLUICE_RETURN_IF_ERROR(conditions.ReadBool("ready", &parsed.conditions.ready));
  SLUICE_RETURN_IF_ERROR(conditions.ReadBool("serving", &parsed.conditions.serving));
  SLUICE_RETURN_IF_ERROR(conditions.ReadBool("terminating", &parsed.conditions.terminating));
  SLUICE_RETURN_IF_ERROR(endpoint.ReadString("nodeName", &parsed.node_name));
  SLUICE_RETURN_IF_ERROR(endpoint.ReadString("zone", &parsed.zone));
  SLUICE_ASSIGN_OR_RETURN(FieldReader hints, endpoint.Child("hints"));
  SLUICE_RETURN_IF_ERROR(
      hints.ForEachObject("forZones", [&](const FieldReader& zone) -> absl::Status {
        std::string name;
        SLUICE_RETURN_IF_ERROR(zone.ReadString("name", &name));
        parsed.hint_zones.push_back(std::move(name));
        return absl::OkStatus();
      }));
  return parsed;
}

absl::StatusOr<EndpointPort> ParsePort(const FieldReader& port) {
  EndpointPort parsed;
  SLUICE_RETURN_IF_ERROR(port.ReadString("name", &parsed.name));
  SLUICE_RETURN_IF_ERROR(port.ReadInt("port", 1, kMaxPort, &parsed.port));
  SLUICE_RETURN_IF_ERROR(ReadProtocol(port, "protocol", &parsed.protocol));
  return parsed;
}

}  // namespace

absl::StatusOr<EndpointSlice> ParseEndpointSlice(const FieldReader& object) {
  EndpointSlice slice;
  SLUICE_ASSIGN_OR_RETURN(slice.metadata, ReadObjectMeta(object));
  // Required by the API: guessing a family would turn addresses into backends
  // of the wrong service table.
  std::string address_type;
  SLUICE_RETURN_IF_ERROR(object.ReadString("addressType", &address_type));
  if (address_type.empty()) return object.ErrorAt("addressType", "required");
  SLUICE_RETURN_IF_ERROR(ReadEnum<AddressType>(
      object, "addressType",
      {{"IPv4", AddressType::kIPv4}, {"IPv6", AddressType::kIPv6}, {"FQDN", AddressType::kFQDN}},
      &slice.address_type));
  SLUICE_RETURN_IF_ERROR(
      object.ForEachObject("endpoints", [&](const FieldReader& endpoint) -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Endpoint parsed, ParseEndpoint(endpoint, slice.address_type));
        slice.endpoints.push_back(std::move(parsed));
        return absl::OkStatus();
      }));
  SLUICE_RETURN_IF_ERROR(
      object.ForEachObject("ports", [&](const FieldReader& port) -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(EndpointPort parsed, ParsePort(port));
        slice.ports.push_back(std::move(parsed));
        return absl::OkStatus();
      }));
  return slice;
}

}  // namespace sluice::k8s
