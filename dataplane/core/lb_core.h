/* The packet core: one packet in, one verdict out. Every engine runs this.
 *
 *   parse -> ICMP error? -> later fragment? -> conntrack hit? -> frontend
 *         -> service -> backend (or reject) -> new flow -> NAT -> forward
 *
 * Include after the engine's access layer (see lb_env.h). */
#ifndef SLUICE_DATAPLANE_CORE_LB_CORE_H_
#define SLUICE_DATAPLANE_CORE_LB_CORE_H_

#include "dataplane/core/lb_ct.h"
#include "dataplane/core/lb_flow.h"
#include "dataplane/core/lb_icmp.h"
#include "dataplane/core/lb_nat.h"
#include "dataplane/core/lb_parse.h"
#include "dataplane/core/lb_reject.h"
#include "dataplane/core/lb_select.h"

/* Fragments: the first fragment (it has the L4 header) is translated like
 * any packet and its (addresses, id) -> ports remembered; later fragments of
 * the same datagram look their ports up and follow the flow's conntrack
 * entry. A later fragment to a service address whose first fragment was not
 * seen (lost, or reordered ahead of it) is dropped and counted; to any other
 * address it passes untouched. */
LB_INLINE void lb_frag_key_of(const struct lb_pkt* p, struct lb_frag_key* fk) {
  lb_memzero(fk, sizeof(*fk));
  lb_addr_copy(&fk->saddr, &p->tuple.saddr);
  lb_addr_copy(&fk->daddr, &p->tuple.daddr);
  fk->id = p->frag_id;
  fk->proto = p->proto;
  fk->family = p->family;
}

LB_INLINE void lb_frag_remember(struct lb_ctx* ctx, const struct lb_config* cfg,
                                const struct lb_pkt* p, __u64 now) {
  struct lb_frag_key fk;
  lb_frag_key_of(p, &fk);
  struct lb_frag_value fv = {.sport = p->tuple.sport,
                             .dport = p->tuple.dport,
                             .pad = 0,
                             .expires_ns = now + (__u64)cfg->frag_timeout_s * LB_NS_PER_SEC};
  lb_map_frag_update(ctx, &fk, &fv);
}

/* Applies an entry found in conntrack. */
LB_INLINE int lb_apply_entry(struct lb_ctx* ctx, struct lb_pkt* p, const struct lb_ct_entry* e,
                             struct lb_result* res) {
  struct lb_nat n;
  lb_nat_from_entry(e, &n);
  int rc = lb_nat_rewrite(ctx, p, &n);
  if (rc) return lb_drop(res, (__u8)rc);
  res->service_id = e->service_id;
  res->backend_id = e->backend_id;
  return lb_finish(res, LB_VERDICT_FORWARD, LB_EGRESS_ROUTE);
}

/* A tracked packet. LB_CONTINUE means "treat as a new flow" (no entry, an
 * expired one, or one whose backend is gone). */
LB_INLINE int lb_process_tracked(struct lb_ctx* ctx, const struct lb_config* cfg, struct lb_pkt* p,
                                 struct lb_result* res, __u64 now) {
  struct lb_ct_key key = p->tuple;
  struct lb_ct_entry* e = lb_map_ct(ctx, &key);
  if (!e || e->expires_ns < now) return LB_CONTINUE;
  if (!(e->flags & LB_CT_F_REPLY)) {
    /* A removed backend releases its flows: the next packet picks anew
     * (a UDP flow moves to a live backend; TCP gets a RST from the new one). */
    if (!lb_map_backend_alive(ctx, e->backend_id)) return LB_CONTINUE;
    lb_count(ctx, LB_CNT_CT_HIT, 0);
  } else {
    lb_count(ctx, LB_CNT_REPLY, 0);
  }
  lb_ct_refresh(ctx, cfg, &key, e, p, now);
  struct lb_ct_entry copy = *e;
  return lb_apply_entry(ctx, p, &copy, res);
}

LB_INLINE int lb_process_new(struct lb_ctx* ctx, const struct lb_config* cfg, struct lb_pkt* p,
                             int hook, struct lb_result* res, __u64 now) {
  /* Most packets that are not for a service stop here, at an array lookup. */
  if (!lb_map_port_used(ctx, p->tuple.dport))
    return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE);
  struct lb_frontend_value* fv = lb_lookup_frontend(ctx, &p->tuple);
  if (!fv) return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE);
  struct lb_frontend_value fe = *fv;
  res->service_id = fe.service_id;
  struct lb_service* sv = lb_map_service(ctx, fe.service_id);
  if (!sv) return lb_drop(res, LB_DROP_NO_BACKEND);
  struct lb_service svc = *sv; /* one copy: this packet sees one generation */
  __u8 scope = lb_frontend_scope(&fe, hook);
  if (lb_table_size(&svc, scope) == 0) {
    /* kube-proxy: a Local policy with endpoints only elsewhere drops (so that
     * a load balancer's health check moves clients away); a service with no
     * endpoint at all rejects. */
    if (scope == LB_SCOPE_LOCAL && lb_table_size(&svc, LB_SCOPE_CLUSTER) != 0)
      return lb_drop(res, LB_DROP_NO_LOCAL_ENDPOINTS);
    return lb_reject(ctx, p, res);
  }
  struct lb_backend* be = 0;
  __u32 id = lb_select_backend(ctx, &svc, fe.service_id, scope, &p->tuple, now, &be);
  if (!id || !be || be->family != p->family) return lb_drop(res, LB_DROP_NO_BACKEND);
  struct lb_backend backend = *be;
  struct lb_ct_entry entry;
  int rc = lb_flow_create(ctx, cfg, p, &fe, hook, id, &backend, now, &entry);
  if (rc) return lb_drop(res, (__u8)rc);
  return lb_apply_entry(ctx, p, &entry, res);
}

LB_INLINE int lb_process_l4(struct lb_ctx* ctx, const struct lb_config* cfg, struct lb_pkt* p,
                            int hook, struct lb_result* res, __u64 now) {
  if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != LB_IPPROTO_SCTP) {
    if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
      if (lb_icmp_is_error(p) && lb_icmp_error(ctx, p, res, now) == LB_DONE) return LB_DONE;
    }
    return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE);
  }
  if (!p->has_l4) {
    struct lb_frag_key fk;
    lb_frag_key_of(p, &fk);
    struct lb_frag_value* fv = lb_map_frag(ctx, &fk);
    if (!fv || fv->expires_ns < now) {
      if (lb_is_service_addr(ctx, &p->tuple)) return lb_drop(res, LB_DROP_FRAG_UNKNOWN);
      return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE);
    }
    p->tuple.sport = fv->sport;
    p->tuple.dport = fv->dport;
    lb_count(ctx, LB_CNT_FRAG_FOLLOWED, 0);
    if (lb_process_tracked(ctx, cfg, p, res, now) == LB_DONE) return LB_DONE;
    return lb_drop(res, LB_DROP_FRAG_UNKNOWN);
  }
  if (p->fragment) lb_frag_remember(ctx, cfg, p, now);
  /* Conntrack holds forward entries (to a frontend port) and reply entries
   * (from a backend's port) only: most other traffic stops at two array
   * lookups. */
  if (!lb_map_port_used(ctx, p->tuple.dport) && !lb_map_backend_port(ctx, p->tuple.sport))
    return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE);
  if (lb_process_tracked(ctx, cfg, p, res, now) == LB_DONE) return LB_DONE;
  return lb_process_new(ctx, cfg, p, hook, res, now);
}

/* Processes the packet in ctx. `hook` is enum lb_hook. Counts the verdict
 * (and the drop reason) and returns the result. */
LB_INLINE void lb_process(struct lb_ctx* ctx, int hook, struct lb_result* res) {
  lb_memzero(res, sizeof(*res));
  __u32 bytes = lb_pkt_len(ctx);
  const struct lb_config* cfg = lb_map_config(ctx);
  struct lb_pkt p;
  if (!cfg) {
    lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE); /* not configured yet */
  } else if (lb_parse(ctx, &p, res) != LB_DONE) {
    lb_process_l4(ctx, cfg, &p, hook, res, lb_now_ns(ctx));
  }
  switch (res->verdict) {
    case LB_VERDICT_PASS:
      lb_count(ctx, LB_CNT_PASS, bytes);
      break;
    case LB_VERDICT_FORWARD:
      lb_count(ctx, LB_CNT_FORWARD, bytes);
      break;
    case LB_VERDICT_REJECT:
      lb_count(ctx, LB_CNT_REJECT, bytes);
      break;
    default:
      lb_count(ctx, LB_CNT_DROP, bytes);
      lb_count(ctx, LB_CNT_DROP_BASE + (res->reason < LB_DROP_REASON_COUNT ? res->reason : 0),
               bytes);
      break;
  }
}

#endif /* SLUICE_DATAPLANE_CORE_LB_CORE_H_ */
