/* Address and port rewrite with incremental checksums: the one function that
 * applies a conntrack entry (forward DNAT/SNAT or reverse NAT of a reply). */
#ifndef SLUICE_DATAPLANE_CORE_LB_NAT_H_
#define SLUICE_DATAPLANE_CORE_LB_NAT_H_

#include "dataplane/core/lb_csum.h"
#include "dataplane/core/lb_parse.h"
#include "dataplane/core/lb_sctp.h"

/* The rewrite a packet gets: new source and/or destination (flags LB_CT_F_SNAT / DNAT). */
struct lb_nat {
  union lb_addr saddr;
  union lb_addr daddr;
  __be16 sport;
  __be16 dport;
  __u8 flags;
  __u8 pad[3];
};

LB_INLINE void lb_nat_from_entry(const struct lb_ct_entry* e, struct lb_nat* n) {
  lb_addr_copy(&n->saddr, &e->nat_saddr);
  lb_addr_copy(&n->daddr, &e->nat_daddr);
  n->sport = e->nat_sport;
  n->dport = e->nat_dport;
  n->flags = e->flags & (LB_CT_F_SNAT | LB_CT_F_DNAT);
}

/* Offset of the L4 checksum field inside the L4 header, 0 if the protocol has
 * none that covers the pseudo-header. */
LB_INLINE __u32 lb_l4_csum_off(__u8 proto) {
  if (proto == IPPROTO_TCP) return 16;
  if (proto == IPPROTO_UDP) return 6;
  return 0;
}

/* Updates an L4 checksum for new addresses and ports. Returns 0, or -1 when
 * the field is not in the packet. (Pointers are taken and dropped within one
 * function: the BPF verifier loses track of packet pointers kept across much
 * control flow.) */
LB_INLINE int lb_nat_l4_csum(struct lb_ctx* ctx, const struct lb_pkt* p, const struct lb_nat* n,
                             const union lb_addr* old_s, const union lb_addr* old_d,
                             __be16 old_sport, __be16 old_dport) {
  __u32 csoff = lb_l4_csum_off(p->proto);
  if (!csoff) return 0;
  __u16* cs = lb_hdr(ctx, p->l4_off + csoff, 2);
  if (!cs) return -1;
  /* With checksum offload pending, the field holds the pseudo-header sum
   * itself, not its complement: update it as the complement of a checksum,
   * for the addresses only (the ports are summed later, from the header). */
  int partial = !p->quoted && lb_pkt_l4_csum_partial(ctx);
  /* An IPv4 UDP checksum of zero means "none": keep it that way. */
  if (!partial && p->proto == IPPROTO_UDP && p->family == LB_AF_INET && *cs == 0) return 0;
  __u16 c = partial ? (__u16)~*cs : *cs;
  if (n->flags & LB_CT_F_SNAT) {
    lb_csum_replace_addr(&c, old_s, &n->saddr);
    if (!partial) lb_csum_replace2(&c, old_sport, n->sport);
  }
  if (n->flags & LB_CT_F_DNAT) {
    lb_csum_replace_addr(&c, old_d, &n->daddr);
    if (!partial) lb_csum_replace2(&c, old_dport, n->dport);
  }
  if (partial)
    c = (__u16)~c;
  else if (p->proto == IPPROTO_UDP && c == 0)
    c = 0xffff;
  *cs = c;
  return 0;
}

/* Rewrites the ports (and their checksum) of a packet that has its L4 header. */
LB_INLINE int lb_nat_l4(struct lb_ctx* ctx, const struct lb_pkt* p, const struct lb_nat* n) {
  __be16* ports = lb_hdr(ctx, p->l4_off, 4);
  if (!ports) return LB_DROP_MALFORMED_L4;
  __be16 old_sport = ports[0], old_dport = ports[1];
  if (n->flags & LB_CT_F_SNAT) ports[0] = n->sport;
  if (n->flags & LB_CT_F_DNAT) ports[1] = n->dport;
  if (lb_nat_l4_csum(ctx, p, n, &p->tuple.saddr, &p->tuple.daddr, old_sport, old_dport) &&
      !p->quoted)
    return LB_DROP_MALFORMED_L4;
  int ports_changed = ((n->flags & LB_CT_F_SNAT) && old_sport != n->sport) ||
                      ((n->flags & LB_CT_F_DNAT) && old_dport != n->dport);
  if (p->proto == LB_IPPROTO_SCTP && ports_changed && !p->quoted) {
    if (p->fragment) return LB_DROP_SCTP_TOO_LONG;
    if (lb_sctp_update_crc(ctx, p->l4_off, p->l4_len) < 0) return LB_DROP_SCTP_TOO_LONG;
  }
  return 0;
}

LB_INLINE int lb_nat_l3(struct lb_ctx* ctx, const struct lb_pkt* p, const struct lb_nat* n) {
  if (p->family == LB_AF_INET) {
    struct iphdr* ip = lb_hdr(ctx, p->l3_off, sizeof(struct iphdr));
    if (!ip) return LB_DROP_MALFORMED_L3;
    __u16 check = ip->check;
    if (n->flags & LB_CT_F_SNAT) {
      lb_csum_replace4(&check, ip->saddr, n->saddr.v4);
      ip->saddr = n->saddr.v4;
    }
    if (n->flags & LB_CT_F_DNAT) {
      lb_csum_replace4(&check, ip->daddr, n->daddr.v4);
      ip->daddr = n->daddr.v4;
    }
    ip->check = check;
    return 0;
  }
  struct ipv6hdr* ip6 = lb_hdr(ctx, p->l3_off, sizeof(struct ipv6hdr));
  if (!ip6) return LB_DROP_MALFORMED_L3;
  if (n->flags & LB_CT_F_SNAT) __builtin_memcpy(&ip6->saddr, n->saddr.b, 16);
  if (n->flags & LB_CT_F_DNAT) __builtin_memcpy(&ip6->daddr, n->daddr.b, 16);
  return 0;
}

/* Applies `n` to the parsed packet `p` and to its tuple; returns 0 or a drop reason. */
LB_INLINE int lb_nat_rewrite(struct lb_ctx* ctx, struct lb_pkt* p, const struct lb_nat* n) {
  int rc;
  if (p->has_l4) {
    rc = lb_nat_l4(ctx, p, n);
    if (rc) return rc;
  }
  rc = lb_nat_l3(ctx, p, n);
  if (rc) return rc;
  if (n->flags & LB_CT_F_SNAT) {
    lb_addr_copy(&p->tuple.saddr, &n->saddr);
    p->tuple.sport = n->sport;
  }
  if (n->flags & LB_CT_F_DNAT) {
    lb_addr_copy(&p->tuple.daddr, &n->daddr);
    p->tuple.dport = n->dport;
  }
  return 0;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_NAT_H_ */
