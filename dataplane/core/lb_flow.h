/* A new flow: choose the translation (DNAT to the backend, SNAT when the
 * frontend masquerades external clients or the client is its own backend),
 * allocate a SNAT port, and record both directions in conntrack. */
#ifndef SLUICE_DATAPLANE_CORE_LB_FLOW_H_
#define SLUICE_DATAPLANE_CORE_LB_FLOW_H_

#include "dataplane/core/lb_ct.h"
#include "dataplane/core/lb_hash.h"

#ifndef LB_SNAT_TRIES
#define LB_SNAT_TRIES 16 /* probes for a free SNAT port before giving up */
#endif

/* Inserts the reply entry `rk` -> `re`, choosing a free SNAT source port when
 * the flow is masqueraded. Returns 0 or a drop reason. */
LB_INLINE int lb_flow_insert_reply(struct lb_ctx* ctx, const struct lb_config* cfg,
                                   const struct lb_ct_key* fwd, struct lb_ct_entry* fe,
                                   struct lb_ct_key* rk, const struct lb_ct_entry* re, __u64 now) {
  if (!(fe->flags & LB_CT_F_SNAT)) return lb_map_ct_update(ctx, rk, re, 0) ? LB_DROP_CT_FULL : 0;
  __u32 lo = cfg->snat_port_min, hi = cfg->snat_port_max;
  if (lo == 0 || hi < lo) return LB_DROP_SNAT_EXHAUSTED;
  __u32 range = hi - lo + 1;
  /* First the client's port when it is in range (as Linux NAT does), then
   * ports from a hash of the flow: flows whose client ports collide go
   * different ways instead of all probing the same sequence. */
  __u32 want = lb_ntohs(fwd->sport);
  int keep = want >= lo && want <= hi;
  __u32 start = lb_hash_tuple(fwd, LB_HASH_SEED_SNAT) % range;
  for (__u32 i = 0; i < LB_SNAT_TRIES; i++) {
    /* a prime stride visits distinct ports */
    __u32 port = (keep && i == 0) ? want : lo + (start + i * 7919u) % range;
    rk->dport = lb_htons((__u16)port);
    /* Look before inserting: an engine's insert may take a free slot (and
     * evict for it) before it finds the key taken. A binding whose time is
     * up is taken over, as the sweep would remove it anyway. */
    struct lb_ct_entry* cur = lb_map_ct(ctx, rk);
    if (cur && cur->expires_ns >= now) continue;
    if (lb_map_ct_update(ctx, rk, re, cur ? 0 : 1) == 0) {
      fe->nat_sport = rk->dport;
      return 0;
    }
  }
  return LB_DROP_SNAT_EXHAUSTED;
}

/* Creates the forward and reply entries of a new flow to backend `be`.
 * On success *out holds the forward entry to apply. Returns 0 or a drop reason. */
LB_INLINE int lb_flow_create(struct lb_ctx* ctx, const struct lb_config* cfg,
                             const struct lb_pkt* p, const struct lb_frontend_value* fe_val,
                             int hook, __u32 backend_id, const struct lb_backend* be, __u64 now,
                             struct lb_ct_entry* out) {
  const struct lb_ct_key* t = &p->tuple;
  int hairpin = lb_addr_eq(&be->addr, &t->saddr);
  int snat = hairpin || ((fe_val->flags & LB_FE_F_MASQUERADE) && hook == LB_HOOK_EXTERNAL);
  __u8 state = p->proto == IPPROTO_TCP ? lb_tcp_next_state(p->tcp_flags) : LB_TCP_NONE;

  lb_memzero(out, sizeof(*out));
  out->flags = LB_CT_F_DNAT | (snat ? LB_CT_F_SNAT : 0);
  lb_addr_copy(&out->nat_daddr, &be->addr);
  out->nat_dport = be->port;
  if (snat) {
    lb_addr_copy(&out->nat_saddr, t->family == LB_AF_INET ? &cfg->node_addr4 : &cfg->node_addr6);
    out->nat_sport = t->sport;
  }
  out->service_id = fe_val->service_id;
  out->backend_id = backend_id;
  out->tcp_state = state;
  out->expires_ns = now + lb_ct_timeout_ns(cfg, p->proto, state);

  struct lb_ct_key rk;
  lb_ct_reverse_key(t, out, &rk);
  struct lb_ct_entry re;
  lb_memzero(&re, sizeof(re));
  re.flags = LB_CT_F_REPLY | LB_CT_F_SNAT | (snat ? LB_CT_F_DNAT : 0);
  lb_addr_copy(&re.nat_saddr, &t->daddr);
  re.nat_sport = t->dport;
  if (snat) {
    lb_addr_copy(&re.nat_daddr, &t->saddr);
    re.nat_dport = t->sport;
  }
  re.service_id = out->service_id;
  re.backend_id = backend_id;
  re.tcp_state = p->proto == IPPROTO_TCP ? LB_TCP_SYN : LB_TCP_NONE;
  re.expires_ns = out->expires_ns;

  int rc = lb_flow_insert_reply(ctx, cfg, t, out, &rk, &re, now);
  if (rc) return rc;
  if (lb_map_ct_update(ctx, t, out, 0)) return LB_DROP_CT_FULL;
  lb_count(ctx, LB_CNT_CT_NEW, 0);
  return 0;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_FLOW_H_ */
