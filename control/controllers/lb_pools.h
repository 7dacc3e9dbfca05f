// LoadBalancer address pools, MetalLB-like, from the file given to
// `sluice server --lb-pools` (YAML or JSON):
//
//   pools:
//   - name: public
//     addresses: [192.168.10.0/24, "192.168.20.10-192.168.20.20", "fd00:20::/120"]
//     autoAssign: true     # default; false: only Services that ask get these
//
// and the choice of addresses for one Service, given those other Services hold.
#ifndef SLUICE_CONTROL_CONTROLLERS_LB_POOLS_H_
#define SLUICE_CONTROL_CONTROLLERS_LB_POOLS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/controllers/allocators/ip_range.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

// A Service asks for a pool by name, or for addresses (comma-separated).
inline constexpr char kLbPoolAnnotation[] = "sluice.dev/lb-pool";
inline constexpr char kLbIpsAnnotation[] = "sluice.dev/lb-ips";

struct LbPool {
  std::string name;
  std::vector<IpRange> ranges;
  bool auto_assign = true;
};

// The pools of a configuration file's text; errors name the field
// ("pools[1].addresses[0]: ...").
absl::StatusOr<std::vector<LbPool>> ParseLbPools(absl::string_view text);
absl::StatusOr<std::vector<LbPool>> LoadLbPools(const std::string& path);

// The addresses `service` (a type=LoadBalancer Service) should have, or why it
// can have none. `in_use`: address -> "ns/name" of the Service holding it
// (not this one). Addresses the Service holds already are kept while they
// still fit its request and its pool.
struct LbChoice {
  std::vector<std::string> ips;
  std::string error;  // set when ips is empty for a reason worth an event
};
LbChoice ChooseLbIps(const std::vector<LbPool>& pools, const nlohmann::json& service,
                     const std::map<std::string, std::string>& in_use);

// status.loadBalancer.ingress[].ip of a Service.
std::vector<std::string> IngressIps(const nlohmann::json& service);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_LB_POOLS_H_
