#include "dataplane/backend_tables.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "dataplane/maglev/maglev.h"

namespace sluice {
namespace {

constexpr uint64_t kMaxListEntries = 65536;  // weighted lists are scaled down past this

}  // namespace

std::vector<size_t> UsableBackends(const std::vector<NumberedBackend>& backends,
                                   lb_table_scope scope) {
  std::vector<size_t> ready, fallback;
  for (size_t i = 0; i < backends.size(); ++i) {
    const Backend& b = *backends[i].backend;
    if (scope == LB_SCOPE_LOCAL && !b.node_local) continue;
    if (b.ready && !b.terminating) {
      ready.push_back(i);
    } else if (b.serving && b.terminating) {
      fallback.push_back(i);
    }
  }
  return ready.empty() ? fallback : ready;
}

std::vector<uint32_t> WeightedList(const std::vector<NumberedBackend>& backends,
                                   const std::vector<size_t>& usable) {
  uint64_t total = 0;
  for (size_t i : usable) total += backends[i].backend->weight;
  std::vector<int64_t> weight(usable.size());
  for (size_t k = 0; k < usable.size(); ++k) {
    uint64_t w = backends[usable[k]].backend->weight;
    if (total > kMaxListEntries) w = std::max<uint64_t>(1, w * kMaxListEntries / total);
    weight[k] = static_cast<int64_t>(w);
  }
  int64_t sum = std::accumulate(weight.begin(), weight.end(), int64_t{0});
  std::vector<int64_t> current(usable.size(), 0);
  std::vector<uint32_t> list;
  list.reserve(static_cast<size_t>(sum));
  // nginx's smooth weighted round-robin: the same order on every run.
  for (int64_t n = 0; n < sum; ++n) {
    size_t best = 0;
    for (size_t k = 0; k < usable.size(); ++k) {
      current[k] += weight[k];
      if (current[k] > current[best]) best = k;
    }
    current[best] -= sum;
    list.push_back(backends[usable[best]].id);
  }
  return list;
}

absl::StatusOr<ServiceTables> BuildServiceTables(const ServicePort& port,
                                                 const std::vector<NumberedBackend>& backends) {
  ServiceTables tables;
  for (int scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
    std::vector<size_t> usable = UsableBackends(backends, static_cast<lb_table_scope>(scope));
    if (usable.empty()) continue;
    if (port.algorithm != Algorithm::kMaglev) {
      tables[scope] = WeightedList(backends, usable);
      continue;
    }
    std::vector<MaglevBackend> mb;
    mb.reserve(usable.size());
    for (size_t i : usable) {
      const Backend& b = *backends[i].backend;
      std::string addr =
          b.address.is_v4() ? b.address.ToString() : absl::StrCat("[", b.address.ToString(), "]");
      mb.push_back({absl::StrCat(addr, ":", b.port), b.weight});
    }
    auto table = BuildMaglevTable(mb, port.maglev_table_size);
    if (!table.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(port.name, ": Maglev table: ", table.status().message()));
    std::vector<uint32_t>& out = tables[scope];
    out.reserve(table->size());
    for (uint32_t idx : *table) out.push_back(backends[usable[idx]].id);
  }
  return tables;
}

}  // namespace sluice
