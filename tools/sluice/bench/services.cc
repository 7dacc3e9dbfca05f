#include "tools/sluice/bench/services.h"

#include "absl/strings/str_cat.h"

namespace sluice::bench {

std::vector<BenchService> MakeServices(uint32_t services, uint32_t endpoints) {
  std::vector<BenchService> out(services);
  for (uint32_t s = 0; s < services; ++s) {
    out[s].name = absl::StrCat("bench/svc", s, ":p80");
    out[s].vip = 0x0a600000 + s + 1;
    for (uint32_t e = 0; e < endpoints; ++e)
      out[s].endpoints.push_back(0x0a400000 + s * endpoints + e + 1);
  }
  return out;
}

BenchService ChangedEndpoint(const std::vector<BenchService>& services) {
  BenchService s = services.front();
  s.endpoints.back() = 0x0a400000 + static_cast<uint32_t>(services.size() * s.endpoints.size()) + 1;
  return s;
}

std::string Ipv4String(uint32_t a) {
  return absl::StrCat(a >> 24, ".", (a >> 16) & 0xff, ".", (a >> 8) & 0xff, ".", a & 0xff);
}

}  // namespace sluice::bench
