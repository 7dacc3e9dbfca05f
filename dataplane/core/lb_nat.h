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

/* Applies `n` to the parsed packet `p`; returns 0 or a drop reason. */
LB_INLINE int lb_nat_rewrite(struct lb_ctx* ctx, struct lb_pkt* p, const struct lb_nat* n) {
  union lb_addr old_s, old_d;
  lb_addr_copy(&old_s, &p->tuple.saddr);
  lb_addr_copy(&old_d, &p->tuple.daddr);
  int do_s = (n->flags & LB_CT_F_SNAT) != 0;
  int do_d = (n->flags & LB_CT_F_DNAT) != 0;

  /* L4 first, while the header offsets are known good. */
  __u16* l4csum = 0;
  __u32 csoff = lb_l4_csum_off(p->proto);
  if (p->has_l4 && csoff) {
    l4csum = lb_hdr(ctx, p->l4_off + csoff, 2);
    if (!l4csum && !p->quoted) return LB_DROP_MALFORMED_L4;
    /* An IPv4 UDP checksum of zero means "none": keep it that way. */
    if (l4csum && p->proto == IPPROTO_UDP && p->family == LB_AF_INET && *l4csum == 0) l4csum = 0;
  }
  if (p->has_l4) {
    __be16* ports = lb_hdr(ctx, p->l4_off, 4);
    if (!ports) return LB_DROP_MALFORMED_L4;
    if (l4csum) {
      if (do_s) {
        lb_csum_replace_addr(l4csum, &old_s, &n->saddr);
        lb_csum_replace2(l4csum, ports[0], n->sport);
      }
      if (do_d) {
        lb_csum_replace_addr(l4csum, &old_d, &n->daddr);
        lb_csum_replace2(l4csum, ports[1], n->dport);
      }
      if (p->proto == IPPROTO_UDP && *l4csum == 0) *l4csum = 0xffff;
    }
    int ports_changed = (do_s && ports[0] != n->sport) || (do_d && ports[1] != n->dport);
    if (do_s) ports[0] = n->sport;
    if (do_d) ports[1] = n->dport;
    if (p->proto == LB_IPPROTO_SCTP && ports_changed && !p->quoted) {
      if (p->fragment) return LB_DROP_SCTP_TOO_LONG;
      if (lb_sctp_update_crc(ctx, p->l4_off, p->l4_len) < 0) return LB_DROP_SCTP_TOO_LONG;
    }
  }

  if (p->family == LB_AF_INET) {
    struct iphdr* ip = lb_hdr(ctx, p->l3_off, sizeof(struct iphdr));
    if (!ip) return LB_DROP_MALFORMED_L3;
    if (do_s) {
      lb_csum_replace4(&ip->check, ip->saddr, n->saddr.v4);
      ip->saddr = n->saddr.v4;
    }
    if (do_d) {
      lb_csum_replace4(&ip->check, ip->daddr, n->daddr.v4);
      ip->daddr = n->daddr.v4;
    }
  } else {
    struct ipv6hdr* ip6 = lb_hdr(ctx, p->l3_off, sizeof(struct ipv6hdr));
    if (!ip6) return LB_DROP_MALFORMED_L3;
    if (do_s) __builtin_memcpy(&ip6->saddr, n->saddr.b, 16);
    if (do_d) __builtin_memcpy(&ip6->daddr, n->daddr.b, 16);
  }
  if (do_s) {
    lb_addr_copy(&p->tuple.saddr, &n->saddr);
    p->tuple.sport = n->sport;
  }
  if (do_d) {
    lb_addr_copy(&p->tuple.daddr, &n->daddr);
    p->tuple.dport = n->dport;
  }
  return 0;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_NAT_H_ */
