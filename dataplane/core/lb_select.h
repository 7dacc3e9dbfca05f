/* Frontend lookup and backend selection: Maglev, round-robin, random, with
 * ClientIP session affinity. Which backends are usable (ready, or serving and
 * terminating when none is ready; node-local for the Local policies) is
 * decided in user space when the tables are built; the core picks from the
 * table of the scope its frontend names. */
#ifndef SLUICE_DATAPLANE_CORE_LB_SELECT_H_
#define SLUICE_DATAPLANE_CORE_LB_SELECT_H_

#include "dataplane/core/lb_hash.h"
#include "dataplane/core/lb_parse.h"

/* Exact (address, port, protocol) first; then, if the destination is one of
 * the node's addresses, the NodePort entry stored with a zero address. */
LB_INLINE struct lb_frontend_value* lb_lookup_frontend(struct lb_ctx* ctx,
                                                       const struct lb_ct_key* t) {
  struct lb_frontend_key fk;
  lb_memzero(&fk, sizeof(fk));
  lb_addr_copy(&fk.addr, &t->daddr);
  fk.port = t->dport;
  fk.proto = t->proto;
  fk.family = t->family;
  struct lb_frontend_value* fv = lb_map_frontend(ctx, &fk);
  if (fv) return fv;
  struct lb_node_addr_key nk;
  lb_memzero(&nk, sizeof(nk));
  lb_addr_copy(&nk.addr, &t->daddr);
  nk.family = t->family;
  if (!lb_map_is_node_addr(ctx, &nk)) return 0;
  lb_memzero(&fk.addr, sizeof(fk.addr));
  return lb_map_frontend(ctx, &fk);
}

/* Is any service listening on this address (on some port)? The agent stores a
 * marker entry (port 0, protocol 0) per frontend address. */
LB_INLINE int lb_is_service_addr(struct lb_ctx* ctx, const struct lb_ct_key* t) {
  struct lb_frontend_key fk;
  lb_memzero(&fk, sizeof(fk));
  lb_addr_copy(&fk.addr, &t->daddr);
  fk.family = t->family;
  return lb_map_frontend(ctx, &fk) != 0;
}

/* No variable index into the array: clang may form the stack address with an
 * OR, which the BPF verifier refuses on a pointer. */
LB_INLINE __u32 lb_table_size(const struct lb_service* svc, __u8 scope) {
  return scope == LB_SCOPE_LOCAL ? svc->table_size[LB_SCOPE_LOCAL]
                                 : svc->table_size[LB_SCOPE_CLUSTER];
}

/* The table a new flow picks from. externalTrafficPolicy=Local confines
 * external clients to this node's endpoints, but pods on this node reaching
 * the NodePort or load-balancer address use every endpoint, as with
 * kube-proxy; internalTrafficPolicy=Local (ClusterIP) always confines. */
LB_INLINE __u8 lb_frontend_scope(const struct lb_frontend_value* fe, int hook) {
  if (!(fe->flags & LB_FE_F_LOCAL_ONLY)) return LB_SCOPE_CLUSTER;
  if (fe->kind != LB_FE_CLUSTER_IP && hook == LB_HOOK_LOCAL) return LB_SCOPE_CLUSTER;
  return LB_SCOPE_LOCAL;
}

LB_INLINE __u8 lb_selectable_flag(__u8 scope) {
  return scope == LB_SCOPE_LOCAL ? LB_BE_F_SELECTABLE_LOCAL : LB_BE_F_SELECTABLE_CLUSTER;
}

/* Picks a backend id for a new flow, or 0 if the table slot is empty. */
LB_INLINE __u32 lb_pick_from_table(struct lb_ctx* ctx, const struct lb_service* svc,
                                   __u32 service_id, __u8 scope, const struct lb_ct_key* t) {
  __u32 size = lb_table_size(svc, scope);
  if (size == 0) return 0;
  __u32 r;
  if (svc->algorithm == LB_ALG_ROUND_ROBIN)
    r = lb_rr_next(ctx, service_id);
  else if (svc->algorithm == LB_ALG_RANDOM)
    r = lb_random(ctx);
  else
    r = lb_hash_tuple(t, LB_HASH_SEED_SELECT);
  struct lb_table_key tk = {
      .service_id = service_id, .gen = svc->gen, .scope = scope, .pad = 0, .index = r % size};
  __u32* slot = lb_map_table_slot(ctx, &tk);
  return slot ? *slot : 0;
}

/* Backend selection with session affinity. Returns the backend id (0: none)
 * and sets *be to its entry. */
LB_INLINE __u32 lb_select_backend(struct lb_ctx* ctx, const struct lb_service* svc,
                                  __u32 service_id, __u8 scope, const struct lb_ct_key* t,
                                  __u64 now, struct lb_backend** be) {
  struct lb_affinity_key ak;
  int affinity = (svc->flags & LB_SVC_F_AFFINITY) != 0;
  if (affinity) {
    lb_memzero(&ak, sizeof(ak));
    lb_addr_copy(&ak.client, &t->saddr);
    ak.service_id = service_id;
    struct lb_affinity_value* av = lb_map_affinity(ctx, &ak);
    __u64 timeout = (__u64)svc->affinity_timeout_s * LB_NS_PER_SEC;
    if (av && now - av->last_used_ns < timeout) {
      struct lb_backend* b = lb_map_backend(ctx, av->backend_id);
      /* Stick only while the backend is still one the table would choose. */
      if (b && (b->flags & lb_selectable_flag(scope))) {
        av->last_used_ns = now;
        *be = b;
        return av->backend_id;
      }
    }
  }
  __u32 id = lb_pick_from_table(ctx, svc, service_id, scope, t);
  if (!id) return 0;
  struct lb_backend* b = lb_map_backend(ctx, id);
  if (!b) return 0;
  if (affinity) {
    struct lb_affinity_value nv = {.last_used_ns = now, .backend_id = id, .pad = 0};
    lb_map_affinity_update(ctx, &ak, &nv);
  }
  *be = b;
  return id;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_SELECT_H_ */
