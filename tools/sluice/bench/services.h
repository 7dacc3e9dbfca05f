// The Services every contender gets: N UDP ClusterIP services on port 80,
// each with a few endpoints on port 8080 that stand behind the sink
// (topology.h routes their range there). Addresses are computed, not
// allocated, so each contender programs exactly the same set.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_SERVICES_H_
#define SLUICE_TOOLS_SLUICE_BENCH_SERVICES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

inline constexpr uint16_t kServicePort = 80;
inline constexpr uint16_t kEndpointPort = 8080;
inline constexpr char kClusterCidr[] = "10.64.0.0/10";  // the endpoints ("pods")
inline constexpr uint32_t kMaxServices = 1000000;

struct BenchService {
  std::string name;  // "bench/svc<i>:p80", as kube-proxy names a service port
  uint32_t vip = 0;  // host order, 10.96.0.0/12
  std::vector<uint32_t> endpoints;
};

// services * endpoints must stay below 4 million (the cluster range).
std::vector<BenchService> MakeServices(uint32_t services, uint32_t endpoints);

// The one endpoint change measured: service 0's last endpoint replaced by an
// address no service used.
BenchService ChangedEndpoint(const std::vector<BenchService>& services);

// The service the traffic goes to: the last one, the worst case for a rule
// list searched in order.
inline const BenchService& Target(const std::vector<BenchService>& s) {
  return s.back();
}

std::string Ipv4String(uint32_t host_order);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_SERVICES_H_
