/* ICMP errors carried for a tracked flow (fragmentation needed, packet too
 * big, unreachable, time exceeded) get the same translation as the flow, on
 * the outer header and on the quoted packet, so that the endpoint that sent
 * the quoted packet recognises it. */
#ifndef SLUICE_DATAPLANE_CORE_LB_ICMP_H_
#define SLUICE_DATAPLANE_CORE_LB_ICMP_H_

#include "dataplane/core/lb_ct.h"
#include "dataplane/core/lb_nat.h"

LB_INLINE int lb_icmp_is_error(const struct lb_pkt* p) {
  if (!p->has_l4 || p->fragment) return 0;
  if (p->proto == IPPROTO_ICMP)
    return p->icmp_type == LB_ICMP_DEST_UNREACH || p->icmp_type == LB_ICMP_TIME_EXCEEDED ||
           p->icmp_type == LB_ICMP_PARAMETERPROB;
  if (p->proto == IPPROTO_ICMPV6)
    return p->icmp_type == LB_ICMP6_DEST_UNREACH || p->icmp_type == LB_ICMP6_PKT_TOOBIG ||
           p->icmp_type == LB_ICMP6_TIME_EXCEED || p->icmp_type == LB_ICMP6_PARAMPROB;
  return 0;
}

/* Parses the quoted packet into `in`. Returns 0, or -1 if it is not a
 * TCP/UDP/SCTP packet with its ports present. */
LB_INLINE int lb_icmp_parse_inner(struct lb_ctx* ctx, const struct lb_pkt* p, struct lb_pkt* in) {
  lb_memzero(in, sizeof(*in));
  in->l3_off = (__u16)(p->l4_off + 8);
  in->family = p->family;
  in->tuple.family = p->family;
  in->has_l4 = 1;
  in->quoted = 1;
  __u32 hlen;
  if (p->family == LB_AF_INET) {
    struct iphdr* ip = lb_hdr(ctx, in->l3_off, sizeof(struct iphdr));
    if (!ip || ip->ihl < 5) return -1;
    hlen = (__u32)ip->ihl * 4;
    in->proto = ip->protocol;
    in->tuple.saddr.v4 = ip->saddr;
    in->tuple.daddr.v4 = ip->daddr;
  } else {
    struct ipv6hdr* ip6 = lb_hdr(ctx, in->l3_off, sizeof(struct ipv6hdr));
    if (!ip6) return -1;
    __u8 nexthdr = ip6->nexthdr;
    __builtin_memcpy(in->tuple.saddr.b, &ip6->saddr, 16);
    __builtin_memcpy(in->tuple.daddr.b, &ip6->daddr, 16);
    /* Walk the quoted extension headers as the parser walks the outer ones. */
    __u32 off = in->l3_off + sizeof(struct ipv6hdr);
    __u32 end_off = lb_pkt_len(ctx);
    int done = 0;
    LB_UNROLL
    for (int i = 0; i < LB_IPV6_MAX_EXT; i++) {
      int rc = lb_ipv6_ext_step(ctx, in, &nexthdr, &off, end_off);
      if (rc < 0) return -1;
      if (rc == 1) {
        done = 1;
        break;
      }
    }
    if (!done || !in->has_l4) return -1; /* too deep, or a later fragment: no ports */
    in->proto = nexthdr;
    hlen = off - in->l3_off;
  }
  if (in->proto != IPPROTO_TCP && in->proto != IPPROTO_UDP && in->proto != LB_IPPROTO_SCTP)
    return -1;
  in->tuple.proto = in->proto;
  in->l4_off = (__u16)(in->l3_off + hlen);
  __be16* ports = lb_hdr(ctx, in->l4_off, 4);
  if (!ports) return -1;
  in->tuple.sport = ports[0];
  in->tuple.dport = ports[1];
  in->l4_len = (__u16)(lb_pkt_len(ctx) - in->l4_off);
  return 0;
}

/* Returns LB_DONE with the packet translated, or LB_CONTINUE if the error is
 * not about a flow the core tracks (the caller passes it). */
LB_INLINE int lb_icmp_error(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res,
                            __u64 now) {
  struct lb_pkt in;
  if (lb_icmp_parse_inner(ctx, p, &in)) return LB_CONTINUE;
  /* The quoted packet went one way; its flow's entry for the other way says
   * how that flow is translated. */
  struct lb_ct_key k;
  lb_memzero(&k, sizeof(k));
  lb_addr_copy(&k.saddr, &in.tuple.daddr);
  lb_addr_copy(&k.daddr, &in.tuple.saddr);
  k.sport = in.tuple.dport;
  k.dport = in.tuple.sport;
  k.proto = in.tuple.proto;
  k.family = in.tuple.family;
  struct lb_ct_entry* e = lb_map_ct(ctx, &k);
  if (!e || e->expires_ns < now) return LB_CONTINUE;
  if (p->l4_len > LB_CSUM_MAX_BYTES) return LB_CONTINUE;

  /* Inner: its source becomes what the entry's destination becomes, and vice versa. */
  struct lb_nat inner;
  lb_memzero(&inner, sizeof(inner));
  if (e->flags & LB_CT_F_DNAT) {
    inner.flags |= LB_CT_F_SNAT;
    lb_addr_copy(&inner.saddr, &e->nat_daddr);
    inner.sport = e->nat_dport;
  }
  if (e->flags & LB_CT_F_SNAT) {
    inner.flags |= LB_CT_F_DNAT;
    lb_addr_copy(&inner.daddr, &e->nat_saddr);
    inner.dport = e->nat_sport;
  }
  /* Outer: addressed to the quoted packet's sender; from its receiver when
   * that host itself complains (port unreachable), else from a router. */
  struct lb_nat outer;
  lb_memzero(&outer, sizeof(outer));
  if ((inner.flags & LB_CT_F_SNAT) && lb_addr_eq(&p->tuple.daddr, &in.tuple.saddr)) {
    outer.flags |= LB_CT_F_DNAT;
    lb_addr_copy(&outer.daddr, &inner.saddr);
  }
  if ((inner.flags & LB_CT_F_DNAT) && lb_addr_eq(&p->tuple.saddr, &in.tuple.daddr)) {
    outer.flags |= LB_CT_F_SNAT;
    lb_addr_copy(&outer.saddr, &inner.daddr);
  }
  if (lb_nat_rewrite(ctx, &in, &inner)) return LB_CONTINUE;
  /* The outer ICMP header has no ports; rewrite only its IP header. */
  p->has_l4 = 0;
  int rc = lb_nat_rewrite(ctx, p, &outer);
  p->has_l4 = 1;
  if (rc) return lb_drop(res, (__u8)rc);

  __u16* check = lb_hdr(ctx, p->l4_off + 2, 2);
  if (!check) return lb_drop(res, LB_DROP_MALFORMED_L4);
  *check = 0;
  __s64 body = lb_pkt_csum(ctx, p->l4_off, p->l4_len);
  if (body < 0) return lb_drop(res, LB_DROP_MALFORMED_L4);
  __u32 sum = 0;
  if (p->family == LB_AF_INET6)
    sum = lb_csum_pseudo(&p->tuple.saddr, &p->tuple.daddr, LB_AF_INET6, p->l4_len, IPPROTO_ICMPV6);
  sum = lb_csum_add(sum, (__u32)body);
  check = lb_hdr(ctx, p->l4_off + 2, 2);
  if (!check) return lb_drop(res, LB_DROP_MALFORMED_L4);
  *check = (__u16)~lb_csum_fold(sum);
  lb_count(ctx, LB_CNT_ICMP_ERROR, 0);
  res->service_id = e->service_id;
  res->backend_id = e->backend_id;
  return lb_finish(res, LB_VERDICT_FORWARD, LB_EGRESS_ROUTE);
}

#endif /* SLUICE_DATAPLANE_CORE_LB_ICMP_H_ */
