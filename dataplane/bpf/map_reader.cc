#include "dataplane/bpf/map_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "dataplane/bpf/ct4_table.h"

namespace sluice {
namespace {

// Calls fn(key, value) for every entry of a hash map.
template <typename K, typename V, typename Fn>
void ForEach(int fd, Fn fn) {
  K key{}, next{};
  V value{};
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) fn(next, value);
    key = next;
    prev = &key;
  }
}

lb_ct_key Generic(const lb_ct4_key& k4) {
  lb_ct_key k{};
  k.saddr.v4 = k4.saddr;
  k.daddr.v4 = k4.daddr;
  k.sport = k4.sport;
  k.dport = k4.dport;
  k.proto = k4.proto;
  k.family = LB_AF_INET;
  return k;
}

}  // namespace

absl::StatusOr<EngineState> ReadMapState(const MapFds& m) {
  EngineState st;
  std::map<uint32_t, std::string> names;
  ForEach<uint32_t, lb_service_name>(m.service_names, [&](uint32_t id, const lb_service_name& n) {
    names[id] = std::string(n.name, strnlen(n.name, sizeof(n.name)));
  });
  ForEach<uint32_t, lb_service>(m.services, [&](uint32_t id, const lb_service& v) {
    st.services.push_back({id, names[id], v});
  });
  ForEach<uint32_t, lb_backend>(m.backends, [&](uint32_t id, const lb_backend& b) {
    st.backends.push_back({id, b});
  });
  ForEach<lb_frontend_key, lb_frontend_value>(
      m.frontends, [&](const lb_frontend_key& k, const lb_frontend_value& v) {
        st.frontends.push_back({k, v});
      });
  ForEach<lb_node_addr_key, uint8_t>(
      m.node_addrs, [&](const lb_node_addr_key& k, uint8_t) { st.node_addresses.push_back(k); });
  return st;
}

std::vector<uint64_t> ReadCounters(const MapFds& m) {
  std::vector<uint64_t> out(LB_CNT_COUNT, 0);
  std::vector<uint64_t> percpu(static_cast<size_t>(m.ncpus));
  for (uint32_t i = 0; i < LB_CNT_COUNT; ++i) {
    if (bpf_map_lookup_elem(m.counters, &i, percpu.data()) != 0) continue;
    for (uint64_t v : percpu) out[i] += v;
  }
  return out;
}

std::vector<std::pair<lb_ct_key, lb_ct_entry>> ReadConntrack(
    const MapFds& m, const std::function<bool(const lb_ct_key&, const lb_ct_entry&)>& keep) {
  std::vector<std::pair<lb_ct_key, lb_ct_entry>> out;
  if (auto table = Ct4Table::Map(m.ct4); table.ok()) {
    table->ForEach([&](const lb_ct4_key& k4, const lb_ct_entry& e) {
      lb_ct_key k = Generic(k4);
      if (keep(k, e)) out.push_back({k, e});
    });
  }
  ForEach<lb_ct_key, lb_ct_entry>(m.ct6, [&](const lb_ct_key& k, const lb_ct_entry& e) {
    if (keep(k, e)) out.push_back({k, e});
  });
  return out;
}

absl::StatusOr<size_t> DeleteConntrackIf(
    const MapFds& m, const std::function<bool(const lb_ct_key&, const lb_ct_entry&)>& match) {
  auto table = Ct4Table::Map(m.ct4);
  if (!table.ok()) return table.status();
  size_t n = table->DeleteIf(
      [&](const lb_ct4_key& k4, const lb_ct_entry& e) { return match(Generic(k4), e); });
  std::vector<lb_ct_key> ct6;
  ForEach<lb_ct_key, lb_ct_entry>(m.ct6, [&](const lb_ct_key& k, const lb_ct_entry& e) {
    if (match(k, e)) ct6.push_back(k);
  });
  for (const lb_ct_key& k : ct6) {
    // Packets keep writing while we sweep: judge the entry as it is now.
    lb_ct_entry now{};
    if (bpf_map_lookup_elem(m.ct6, &k, &now) != 0 || !match(k, now)) continue;
    if (bpf_map_delete_elem(m.ct6, &k) == 0) ++n;
  }
  return n;
}

std::vector<uint32_t> ReadTable(const MapFds& m, uint32_t service_id, uint8_t gen, uint8_t scope,
                                uint32_t size) {
  std::vector<uint32_t> out(size, 0);
  lb_table_ref ref{};
  ref.service_id = service_id;
  ref.gen = gen;
  ref.scope = scope;
  uint32_t table_id = 0;
  if (bpf_map_lookup_elem(m.tables, &ref, &table_id) != 0) return out;
  int table = bpf_map_get_fd_by_id(table_id);
  if (table < 0) return out;
  for (uint32_t i = 0; i < size; ++i) bpf_map_lookup_elem(table, &i, &out[i]);
  close(table);
  return out;
}

absl::StatusOr<PinnedMaps> PinnedMaps::Open(const std::string& pin_dir) {
  PinnedMaps p;
  p.dir_ = pin_dir;
  p.fds_.ncpus = libbpf_num_possible_cpus();
  struct Want {
    const char* name;
    int* fd;
  } want[] = {{"lb_services", &p.fds_.services},     {"lb_service_names", &p.fds_.service_names},
              {"lb_backends", &p.fds_.backends},     {"lb_frontends", &p.fds_.frontends},
              {"lb_node_addrs", &p.fds_.node_addrs}, {"lb_tables", &p.fds_.tables},
              {"lb_ct4_buckets", &p.fds_.ct4},       {"lb_ct6", &p.fds_.ct6},
              {"lb_counters", &p.fds_.counters}};
  for (const Want& w : want) {
    std::string path = pin_dir + "/" + w.name;
    *w.fd = bpf_obj_get(path.c_str());
    if (*w.fd < 0)
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat(path, " (is `sluice agent` running for this node?)"));
  }
  return p;
}

PinnedMaps::~PinnedMaps() {
  for (int fd : {fds_.services, fds_.service_names, fds_.backends, fds_.frontends, fds_.node_addrs,
                 fds_.tables, fds_.ct4, fds_.ct6, fds_.counters})
    if (fd >= 0) close(fd);
}

}  // namespace sluice
