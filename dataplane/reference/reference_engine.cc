#include "dataplane/reference/reference_engine.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

// The C access layer hands the core an opaque lb_ref_maps*: it is the engine.
struct lb_ref_maps {
  sluice::ReferenceEngine* engine;
};

namespace sluice {

struct ReferenceEngine::Maps {
  static ReferenceEngine::State& Of(lb_ref_maps* m) { return m->engine->s_; }

  template <typename K, typename V>
  static V* Find(PodMap<K, V>& map, const K& key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  }
};

namespace {
// As XDP gives: 256 bytes, plus 2 so that the IP header is 4-byte aligned
// (NET_IP_ALIGN).
constexpr size_t kHeadroom = 258;
constexpr size_t kTailroom = 256;
}  // namespace

ReferenceEngine::ReferenceEngine() {
  s_.counters.assign(LB_CNT_COUNT, 0);
}
ReferenceEngine::~ReferenceEngine() = default;

absl::Status ReferenceEngine::SetConfig(const lb_config& config) {
  s_.config = config;
  return absl::OkStatus();
}

absl::Status ReferenceEngine::AddNodeAddress(const lb_node_addr_key& key) {
  s_.node_addrs[key] = 1;
  return absl::OkStatus();
}

absl::Status ReferenceEngine::RemoveNodeAddress(const lb_node_addr_key& key) {
  s_.node_addrs.erase(key);
  return absl::OkStatus();
}

absl::Status ReferenceEngine::UpsertFrontend(const lb_frontend_key& key,
                                             const lb_frontend_value& value) {
  if (!s_.frontends.contains(key)) s_.port_refs[ntohs(key.port)]++;
  s_.frontends[key] = value;
  return absl::OkStatus();
}

absl::Status ReferenceEngine::DeleteFrontend(const lb_frontend_key& key) {
  if (s_.frontends.erase(key) == 0) return absl::NotFoundError("frontend not programmed");
  if (--s_.port_refs[ntohs(key.port)] == 0) s_.port_refs.erase(ntohs(key.port));
  return absl::OkStatus();
}

absl::Status ReferenceEngine::UpsertBackend(uint32_t id, const lb_backend& backend) {
  if (id == 0) return absl::InvalidArgumentError("backend id 0 is reserved");
  if (auto old = s_.backends.find(id); old != s_.backends.end()) ReleaseBackendPort(old->second);
  s_.backends[id] = backend;
  s_.backend_port_refs[ntohs(backend.port)]++;
  return absl::OkStatus();
}

absl::Status ReferenceEngine::DeleteBackend(uint32_t id) {
  auto it = s_.backends.find(id);
  if (it == s_.backends.end()) return absl::NotFoundError(absl::StrCat("backend ", id));
  ReleaseBackendPort(it->second);
  s_.backends.erase(it);
  return absl::OkStatus();
}

void ReferenceEngine::ReleaseBackendPort(const lb_backend& b) {
  uint16_t port = ntohs(b.port);
  if (--s_.backend_port_refs[port] <= 0) s_.backend_port_refs.erase(port);
}

absl::Status ReferenceEngine::UpsertService(uint32_t id, const lb_service& service,
                                            const ServiceTables& tables) {
  for (int scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
    if (tables[scope].size() != service.table_size[scope])
      return absl::InvalidArgumentError("table size does not match the service value");
    for (uint32_t i = 0; i < tables[scope].size(); ++i) {
      lb_table_key k{};
      k.service_id = id;
      k.gen = service.gen;
      k.scope = static_cast<uint8_t>(scope);
      k.index = i;
      s_.tables[k] = tables[scope][i];
    }
  }
  s_.services[id] = service;
  return absl::OkStatus();
}

absl::Status ReferenceEngine::DeleteService(uint32_t id) {
  s_.names.erase(id);
  if (s_.services.erase(id) == 0) return absl::NotFoundError(absl::StrCat("service ", id));
  absl::erase_if(s_.tables, [id](const auto& kv) { return kv.first.service_id == id; });
  absl::erase_if(s_.affinity, [id](const auto& kv) { return kv.first.service_id == id; });
  s_.rr.erase(id);
  return absl::OkStatus();
}

absl::Status ReferenceEngine::NameService(uint32_t id, const std::string& name) {
  s_.names[id] = name;
  return absl::OkStatus();
}

absl::StatusOr<EngineState> ReferenceEngine::ReadState() const {
  EngineState st;
  for (const auto& [id, v] : s_.services) {
    auto n = s_.names.find(id);
    st.services.push_back({id, n == s_.names.end() ? "" : n->second, v});
  }
  for (const auto& [id, b] : s_.backends) st.backends.push_back({id, b});
  for (const auto& [k, v] : s_.frontends) st.frontends.push_back({k, v});
  for (const auto& [k, v] : s_.node_addrs) st.node_addresses.push_back(k);
  return st;
}

absl::StatusOr<size_t> ReferenceEngine::FlushConntrack(const ConntrackMatch& match) {
  return absl::erase_if(s_.ct, [&](const auto& kv) { return match(kv.first, kv.second); });
}

std::vector<uint64_t> ReferenceEngine::Counters() const {
  return s_.counters;
}

std::optional<lb_service> ReferenceEngine::service(uint32_t id) const {
  auto it = s_.services.find(id);
  if (it == s_.services.end()) return std::nullopt;
  return it->second;
}

lb_result ReferenceEngine::Process(std::vector<uint8_t>& packet, lb_hook hook) {
  buffer_.assign(kHeadroom + packet.size() + kTailroom, 0);
  std::copy(packet.begin(), packet.end(), buffer_.begin() + kHeadroom);
  lb_ref_maps maps{this};
  lb_ctx ctx{};
  ctx.buf = buffer_.data();
  ctx.buf_end = buffer_.data() + buffer_.size();
  ctx.data = ctx.buf + kHeadroom;
  ctx.end = ctx.data + packet.size();
  ctx.maps = &maps;
  lb_result res{};
  lb_ref_process(&ctx, hook, &res);
  packet.assign(ctx.data, ctx.end);
  return res;
}

}  // namespace sluice

// ---- the C access layer -------------------------------------------------

using sluice::ReferenceEngine;
using M = ReferenceEngine::Maps;

extern "C" {

const struct lb_config* lb_ref_config(lb_ref_maps* m) {
  auto& c = M::Of(m).config;
  return c ? &*c : nullptr;
}
lb_frontend_value* lb_ref_frontend(lb_ref_maps* m, const lb_frontend_key* k) {
  return M::Find(M::Of(m).frontends, *k);
}
int lb_ref_is_node_addr(lb_ref_maps* m, const lb_node_addr_key* k) {
  return M::Of(m).node_addrs.contains(*k) ? 1 : 0;
}
lb_service* lb_ref_service(lb_ref_maps* m, __u32 id) {
  return M::Find(M::Of(m).services, id);
}
__u32* lb_ref_table_slot(lb_ref_maps* m, const lb_table_key* k) {
  return M::Find(M::Of(m).tables, *k);
}
int lb_ref_backend_port(lb_ref_maps* m, __be16 port) {
  return M::Of(m).backend_port_refs.contains(ntohs(port)) ? 1 : 0;
}

int lb_ref_port_used(lb_ref_maps* m, __be16 port) {
  return M::Of(m).port_refs.contains(ntohs(port)) ? 1 : 0;
}
lb_backend* lb_ref_backend(lb_ref_maps* m, __u32 id) {
  return M::Find(M::Of(m).backends, id);
}
lb_affinity_value* lb_ref_affinity(lb_ref_maps* m, const lb_affinity_key* k) {
  return M::Find(M::Of(m).affinity, *k);
}
int lb_ref_affinity_update(lb_ref_maps* m, const lb_affinity_key* k, const lb_affinity_value* v) {
  M::Of(m).affinity[*k] = *v;
  return 0;
}
lb_ct_entry* lb_ref_ct(lb_ref_maps* m, const lb_ct_key* k) {
  return M::Find(M::Of(m).ct, *k);
}
int lb_ref_ct_update(lb_ref_maps* m, const lb_ct_key* k, const lb_ct_entry* v, int only_new) {
  auto& ct = M::Of(m).ct;
  if (only_new) return ct.try_emplace(*k, *v).second ? 0 : -1;
  ct[*k] = *v;
  return 0;
}
lb_frag_value* lb_ref_frag(lb_ref_maps* m, const lb_frag_key* k) {
  return M::Find(M::Of(m).frags, *k);
}
int lb_ref_frag_update(lb_ref_maps* m, const lb_frag_key* k, const lb_frag_value* v) {
  M::Of(m).frags[*k] = *v;
  return 0;
}
__u32 lb_ref_rr_next(lb_ref_maps* m, __u32 service_id) {
  return M::Of(m).rr[service_id]++;
}
__u64 lb_ref_now_ns(lb_ref_maps* m) {
  return M::Of(m).now_ns;
}
__u32 lb_ref_random(lb_ref_maps* m) {
  // xorshift64*: deterministic for a given seed.
  uint64_t& x = M::Of(m).rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return static_cast<__u32>((x * 0x2545F4914F6CDD1Dull) >> 32);
}
void lb_ref_count(lb_ref_maps* m, __u32 counter, __u32 bytes) {
  (void)bytes;
  auto& c = M::Of(m).counters;
  if (counter < c.size()) c[counter]++;
}

}  // extern "C"
