/* Socket-level load balancing: a local socket's connect() (or sendmsg() for
 * unconnected UDP) to a service is pointed at a backend once, before any
 * packet exists, so its packets need no per-packet NAT. Same frontends,
 * tables, selection and affinity as the packet path; the hook (cgroup
 * programs) keeps the reverse mapping for getpeername() and recvmsg(). */
#ifndef SLUICE_DATAPLANE_CORE_LB_SOCK_H_
#define SLUICE_DATAPLANE_CORE_LB_SOCK_H_

#include "dataplane/core/lb_select.h"

/* What a socket asks for and, when translated, where it goes instead. */
struct lb_sock_req {
  union lb_addr addr; /* destination; the backend's on LB_SOCK_TRANSLATED */
  __be16 port;
  __u8 family;
  __u8 proto;
  __u32 pad;
  __u64 cookie; /* the socket's cookie: spreads one client's sockets over Maglev */
};

enum lb_sock_verdict {
  LB_SOCK_PASS = 0,       /* not a service: leave the address alone */
  LB_SOCK_TRANSLATED = 1, /* req->addr and req->port now name the backend */
  LB_SOCK_REJECT = 2,     /* a service without usable endpoints: refuse */
};

LB_INLINE int lb_sock_translate(struct lb_ctx* ctx, struct lb_sock_req* req) {
  if (!lb_map_port_used(ctx, req->port)) return LB_SOCK_PASS;
  struct lb_ct_key t;
  lb_memzero(&t, sizeof(t));
  lb_addr_copy(&t.daddr, &req->addr);
  t.dport = req->port;
  t.sport = (__be16)(req->cookie ^ (req->cookie >> 16) ^ (req->cookie >> 32));
  t.proto = req->proto;
  t.family = req->family;
  struct lb_frontend_value* fv = lb_lookup_frontend(ctx, &t);
  if (!fv || fv->service_id == 0) return LB_SOCK_PASS;
  struct lb_frontend_value fe = *fv;
  struct lb_service* sv = lb_map_service(ctx, fe.service_id);
  if (!sv) return LB_SOCK_PASS;
  struct lb_service svc = *sv;
  __u8 scope = lb_frontend_scope(&fe, LB_HOOK_LOCAL);
  if (lb_table_size(&svc, scope) == 0) return LB_SOCK_REJECT;
  struct lb_backend* be = 0;
  __u32 id = lb_select_backend(ctx, &svc, fe.service_id, scope, &t, lb_now_ns(ctx), &be);
  if (!id || !be || be->family != req->family) return LB_SOCK_REJECT;
  lb_addr_copy(&req->addr, &be->addr);
  req->port = be->port;
  return LB_SOCK_TRANSLATED;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_SOCK_H_ */
