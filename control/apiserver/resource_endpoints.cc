// core/v1 Endpoints, the older form of a Service's backends (EndpointSlices
// replace it; kubectl and older clients still read it).
#include <arpa/inet.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

bool IsIp(const std::string& text) {
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

std::vector<StatusCause> ValidateEndpoints(const json& o, const json*) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1123Subdomain, &causes);
  const json& subsets = ArrayAt(o, "/subsets");
  for (size_t i = 0; i < subsets.size(); ++i) {
    std::string at = absl::StrCat("subsets[", i, "]");
    for (const char* list : {"addresses", "notReadyAddresses"}) {
      const json& addresses = ArrayAt(subsets[i], (std::string("/") + list).c_str());
      for (size_t j = 0; j < addresses.size(); ++j) {
        std::string ip = StringAt(addresses[j], "/ip", "");
        std::string field = absl::StrCat(at, ".", list, "[", j, "].ip");
        if (ip.empty())
          causes.push_back(Required(field));
        else if (!IsIp(ip))
          causes.push_back(Invalid(field, ip, "must be a valid IP address"));
      }
    }
    const json& ports = ArrayAt(subsets[i], "/ports");
    for (size_t j = 0; j < ports.size(); ++j) {
      std::string field = absl::StrCat(at, ".ports[", j, "]");
      json port = ports[j].value("port", json());
      if (!port.is_number_integer() || port.get<int64_t>() < 1 || port.get<int64_t>() > 65535)
        causes.push_back(Invalid(field + ".port", port, "must be between 1 and 65535, inclusive"));
      std::string protocol = StringAt(ports[j], "/protocol", "TCP");
      if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP")
        causes.push_back(NotSupported(field + ".protocol", protocol, {"SCTP", "TCP", "UDP"}));
    }
  }
  return causes;
}

// kubectl's formatEndpoints: ip:port pairs of ready addresses, the first
// three, then "+ N more...".
std::string EndpointsText(const json& o) {
  std::vector<std::string> shown;
  size_t total = 0;
  for (const json& subset : ArrayAt(o, "/subsets")) {
    const json& ports = ArrayAt(subset, "/ports");
    for (const json& address : ArrayAt(subset, "/addresses")) {
      std::string ip = StringAt(address, "/ip", "");
      if (ports.empty()) {
        if (++total <= 3) shown.push_back(ip);
        continue;
      }
      for (const json& port : ports)
        if (++total <= 3) shown.push_back(absl::StrCat(ip, ":", IntAt(port, "/port", 0)));
    }
  }
  if (total == 0) return "<none>";
  std::string text = absl::StrJoin(shown, ",");
  if (total > shown.size()) absl::StrAppend(&text, " + ", total - shown.size(), " more...");
  return text;
}

}  // namespace

ResourceType EndpointsResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Endpoints",
                 .plural = "endpoints",
                 .singular = "endpoints",
                 .namespaced = true,
                 .short_names = {"ep"}};
  t.apply_defaults = [](json& o) {
    if (o.contains("subsets") && o["subsets"].is_array())
      for (json& subset : o["subsets"])
        if (subset.is_object() && subset.contains("ports") && subset["ports"].is_array())
          for (json& port : subset["ports"])
            if (port.is_object()) SetDefault(port, "protocol", "TCP");
  };
  t.validate = ValidateEndpoints;
  t.columns = {NameColumn(),
               {.name = "Endpoints",
                .type = "string",
                .description = "Endpoints of the service",
                .cell = [](const json& o, absl::Time) { return EndpointsText(o); }},
               AgeColumn()};
  return t;
}

}  // namespace sluice::apiserver
