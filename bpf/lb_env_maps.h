/* The map half of the packet core's access layer (dataplane/core/lb_env.h),
 * the same for every BPF program; include after defining struct lb_ctx. */
#ifndef SLUICE_BPF_LB_ENV_MAPS_H_
#define SLUICE_BPF_LB_ENV_MAPS_H_

#include <bpf/bpf_endian.h>

#include "bpf/lb_maps.h"

static __always_inline const struct lb_config* lb_map_config(struct lb_ctx* c) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&lb_config, &k);
}
#define lb_map_frontend(c, k) ((struct lb_frontend_value*)bpf_map_lookup_elem(&lb_frontends, k))
#define lb_map_is_node_addr(c, k) (bpf_map_lookup_elem(&lb_node_addrs, k) != 0)
static __always_inline struct lb_service* lb_map_service(struct lb_ctx* c, __u32 id) {
  return bpf_map_lookup_elem(&lb_services, &id);
}
static __always_inline __u32* lb_map_table_slot(struct lb_ctx* c, const struct lb_table_key* k) {
  struct lb_table_ref r = {.service_id = k->service_id, .gen = k->gen, .scope = k->scope, .pad = 0};
  void* table = bpf_map_lookup_elem(&lb_tables, &r);
  if (!table) return 0;
  __u32 index = k->index;
  return bpf_map_lookup_elem(table, &index);
}
static __always_inline struct lb_backend* lb_map_backend(struct lb_ctx* c, __u32 id) {
  return bpf_map_lookup_elem(&lb_backends, &id);
}
static __always_inline int lb_map_backend_alive(struct lb_ctx* c, __u32 id) {
  __u32* v = bpf_map_lookup_elem(&lb_backend_alive, &id);
  return v && *v;
}
static __always_inline int lb_map_port_used(struct lb_ctx* c, __be16 port) {
  __u32 k = bpf_ntohs(port);
  __u32* v = bpf_map_lookup_elem(&lb_ports, &k);
  return v && (*v & LB_PORT_F_FRONTEND);
}
static __always_inline int lb_map_backend_port(struct lb_ctx* c, __be16 port) {
  __u32 k = bpf_ntohs(port);
  __u32* v = bpf_map_lookup_elem(&lb_ports, &k);
  return v && (*v & LB_PORT_F_BACKEND);
}
#define lb_map_affinity(c, k) ((struct lb_affinity_value*)bpf_map_lookup_elem(&lb_affinity, k))
#define lb_map_affinity_update(c, k, v) bpf_map_update_elem(&lb_affinity, k, v, BPF_ANY)
#define lb_map_frag(c, k) ((struct lb_frag_value*)bpf_map_lookup_elem(&lb_frags, k))
#define lb_map_frag_update(c, k, v) bpf_map_update_elem(&lb_frags, k, v, BPF_ANY)
static __always_inline __u32 lb_rr_next(struct lb_ctx* c, __u32 id) {
  __u32* v = bpf_map_lookup_elem(&lb_rr, &id);
  return v ? __sync_fetch_and_add(v, 1) : 0;
}
/* A tick's resolution is enough: every timeout the core keeps is in seconds.
 * Jiffies because the JIT inlines bpf_jiffies64() into one load, where a
 * helper call (the precise clock's TSC read: ~15 ns a packet in a VM; the
 * coarse clock's: ~10 ns with the return-thunk mitigations of AMD hosts) is a
 * tenth of an established flow's cost. See struct lb_clock. */
static __always_inline __u64 lb_clock_ns(void) {
  __u32 k = 0;
  const struct lb_clock* c = bpf_map_lookup_elem(&lb_clock, &k);
  if (!c) return bpf_ktime_get_coarse_ns();
  if (!c->ns_per_tick) return bpf_ktime_get_coarse_ns() + c->offset_ns;
  return bpf_jiffies64() * c->ns_per_tick + c->base_ns + c->offset_ns;
}
#define lb_now_ns(c) lb_clock_ns()
#define lb_random(c) bpf_get_prandom_u32()
static __always_inline void lb_count(struct lb_ctx* c, __u32 slot, __u32 bytes) {
  __u64* v = bpf_map_lookup_elem(&lb_counters, &slot);
  if (v) *v += 1;
}

#include "bpf/lb_ct4_table.h"

static __always_inline struct lb_ct_entry* lb_map_ct(struct lb_ctx* c, const struct lb_ct_key* k) {
  if (k->family == LB_AF_INET) return lb_ct4_lookup(k);
  return bpf_map_lookup_elem(&lb_ct6, k);
}
static __always_inline long lb_map_ct_update(struct lb_ctx* c, const struct lb_ct_key* k,
                                             const struct lb_ct_entry* v, int only_new) {
  if (k->family == LB_AF_INET) {
    int rc = lb_ct4_update(k, v, only_new);
    if (rc == 1) lb_count(c, LB_CNT_CT_EVICTED, 0);
    return rc < 0 ? rc : 0;
  }
  return bpf_map_update_elem(&lb_ct6, k, v, only_new ? BPF_NOEXIST : BPF_ANY);
}

#endif /* SLUICE_BPF_LB_ENV_MAPS_H_ */
