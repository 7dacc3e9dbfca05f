/* Connection tracking: one entry per direction, TCP state-driven timeouts.
 * A forward entry pins an established flow to its backend whatever later
 * happens to the service's tables. */
#ifndef SLUICE_DATAPLANE_CORE_LB_CT_H_
#define SLUICE_DATAPLANE_CORE_LB_CT_H_

#include "dataplane/core/lb_parse.h"

LB_INLINE __u8 lb_tcp_next_state(__u8 flags) {
  if (flags & (LB_TCPF_RST | LB_TCPF_FIN)) return LB_TCP_CLOSING;
  if ((flags & LB_TCPF_SYN) && !(flags & LB_TCPF_ACK)) return LB_TCP_SYN;
  return LB_TCP_ESTABLISHED;
}

LB_INLINE __u64 lb_ct_timeout_ns(const struct lb_config* cfg, __u8 proto, __u8 state) {
  __u32 s;
  if (proto != IPPROTO_TCP)
    s = cfg->udp_timeout_s; /* UDP and SCTP */
  else if (state == LB_TCP_SYN)
    s = cfg->tcp_syn_timeout_s;
  else if (state == LB_TCP_CLOSING)
    s = cfg->tcp_closing_timeout_s;
  else
    s = cfg->tcp_established_timeout_s;
  return (__u64)s * LB_NS_PER_SEC;
}

/* The key that the other direction of an entry's flow is tracked under. */
LB_INLINE void lb_ct_reverse_key(const struct lb_ct_key* k, const struct lb_ct_entry* e,
                                 struct lb_ct_key* out) {
  out->family = k->family;
  out->proto = k->proto;
  out->pad = 0;
  if (e->flags & LB_CT_F_DNAT) {
    lb_addr_copy(&out->saddr, &e->nat_daddr);
    out->sport = e->nat_dport;
  } else {
    lb_addr_copy(&out->saddr, &k->daddr);
    out->sport = k->dport;
  }
  if (e->flags & LB_CT_F_SNAT) {
    lb_addr_copy(&out->daddr, &e->nat_saddr);
    out->dport = e->nat_sport;
  } else {
    lb_addr_copy(&out->daddr, &k->saddr);
    out->dport = k->sport;
  }
}

/* Advances the entry with this packet. Writes to the shared entries only
 * when the state changes or the expiry moves by more than a second, so that
 * an established flow does not write on every packet. */
LB_INLINE void lb_ct_refresh(struct lb_ctx* ctx, const struct lb_config* cfg,
                             const struct lb_ct_key* k, struct lb_ct_entry* e,
                             const struct lb_pkt* p, __u64 now) {
  __u8 state = e->tcp_state;
  if (p->proto == IPPROTO_TCP && p->has_l4) {
    __u8 next = lb_tcp_next_state(p->tcp_flags);
    /* A plain ACK does not reopen a closing flow; a new SYN does. */
    if (!(state == LB_TCP_CLOSING && next == LB_TCP_ESTABLISHED)) state = next;
  }
  __u64 expires = now + lb_ct_timeout_ns(cfg, p->proto, state);
  if (state != e->tcp_state) {
    e->tcp_state = state;
    e->expires_ns = expires;
    if (state == LB_TCP_CLOSING) {
      /* Closing applies to the whole flow: shorten the other direction too. */
      struct lb_ct_key rk;
      lb_ct_reverse_key(k, e, &rk);
      struct lb_ct_entry* re = lb_map_ct(ctx, &rk);
      if (re && re->expires_ns > expires) {
        re->expires_ns = expires;
        re->tcp_state = LB_TCP_CLOSING;
      }
    }
  } else if (expires > e->expires_ns + LB_NS_PER_SEC) {
    e->expires_ns = expires;
    /* A flow lives while either direction sends (as Linux conntrack): a
     * one-way stream keeps its other entry too, so that a reply after a long
     * silence is still translated. At most once a second per flow. */
    struct lb_ct_key rk;
    lb_ct_reverse_key(k, e, &rk);
    struct lb_ct_entry* re = lb_map_ct(ctx, &rk);
    if (re && re->expires_ns < expires && re->tcp_state != LB_TCP_CLOSING) re->expires_ns = expires;
  }
}

#endif /* SLUICE_DATAPLANE_CORE_LB_CT_H_ */
