/* Parsing: Ethernet, IPv4 (with options), IPv6 (a bounded walk of extension
 * headers), TCP, UDP, SCTP (ports only), ICMP and ICMPv6. The parser only
 * reads; it fills struct lb_pkt with offsets and the wire tuple. */
#ifndef SLUICE_DATAPLANE_CORE_LB_PARSE_H_
#define SLUICE_DATAPLANE_CORE_LB_PARSE_H_

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "dataplane/core/lb_helpers.h"

#ifndef LB_IPV6_MAX_EXT
#define LB_IPV6_MAX_EXT 6 /* extension headers walked before giving up */
#endif

#define LB_NEXTHDR_HOP 0
#define LB_NEXTHDR_ROUTING 43
#define LB_NEXTHDR_FRAGMENT 44
#define LB_NEXTHDR_AUTH 51
#define LB_NEXTHDR_NONE 59
#define LB_NEXTHDR_DEST 60
#define LB_IPPROTO_SCTP 132

/* ICMP and ICMPv6 types and codes (RFC 792, RFC 4443). Defined here because
 * <linux/icmp.h> pulls in libc headers a BPF build cannot use. */
#define LB_ICMP_DEST_UNREACH 3
#define LB_ICMP_PORT_UNREACH 3
#define LB_ICMP_TIME_EXCEEDED 11
#define LB_ICMP_PARAMETERPROB 12
#define LB_ICMP6_DEST_UNREACH 1
#define LB_ICMP6_PORT_UNREACH 4
#define LB_ICMP6_PKT_TOOBIG 2
#define LB_ICMP6_TIME_EXCEED 3
#define LB_ICMP6_PARAMPROB 4
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

#define LB_IP_MF 0x2000
#define LB_IP_OFFMASK 0x1fff

/* What the parser learned about a packet. Offsets are from the Ethernet header. */
struct lb_pkt {
  struct lb_ct_key tuple; /* as on the wire; ports zero where there are none */
  __u32 frag_id;          /* IPv4 id or IPv6 fragment id, when fragmented */
  __u16 l3_off;
  __u16 l4_off;
  __u16 l3_len;       /* bytes from l3_off to the end of the IP datagram (this fragment) */
  __u16 l4_len;       /* bytes of L4 header and payload in this packet */
  __u16 frag_hdr_off; /* IPv6 fragment header, 0 if none */
  __u8 family;
  __u8 proto;
  __u8 has_l4;    /* the L4 header is in this packet (not a later fragment) */
  __u8 fragment;  /* part of a fragmented datagram */
  __u8 tcp_flags; /* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10) */
  __u8 icmp_type;
  __u8 icmp_code;
  __u8 quoted; /* the packet quoted inside an ICMP error: L4 checksum may be cut off */
  __u8 pad[2];
};

#define LB_TCPF_FIN 0x01
#define LB_TCPF_SYN 0x02
#define LB_TCPF_RST 0x04
#define LB_TCPF_ACK 0x10

/* Parse outcome: LB_CONTINUE with a filled lb_pkt, or LB_DONE with the result
 * set (pass for non-IP, drop with a reason for malformed). */
LB_INLINE int lb_parse_l4(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  if (!p->has_l4) return LB_CONTINUE;
  switch (p->proto) {
    case IPPROTO_TCP: {
      struct tcphdr* th = lb_hdr(ctx, p->l4_off, sizeof(struct tcphdr));
      if (!th || p->l4_len < sizeof(struct tcphdr)) return lb_drop(res, LB_DROP_MALFORMED_L4);
      __u32 doff = (__u32)th->doff * 4;
      if (doff < sizeof(struct tcphdr) || (!p->fragment && doff > p->l4_len))
        return lb_drop(res, LB_DROP_MALFORMED_L4);
      p->tuple.sport = th->source;
      p->tuple.dport = th->dest;
      p->tcp_flags = ((__u8*)th)[13];
      return LB_CONTINUE;
    }
    case IPPROTO_UDP: {
      struct udphdr* uh = lb_hdr(ctx, p->l4_off, sizeof(struct udphdr));
      if (!uh || p->l4_len < sizeof(struct udphdr)) return lb_drop(res, LB_DROP_MALFORMED_L4);
      __u32 ulen = lb_ntohs(uh->len);
      /* A first fragment's UDP length covers the whole datagram. */
      if (ulen < sizeof(struct udphdr) || (!p->fragment && ulen > p->l4_len))
        return lb_drop(res, LB_DROP_MALFORMED_L4);
      p->tuple.sport = uh->source;
      p->tuple.dport = uh->dest;
      return LB_CONTINUE;
    }
    case LB_IPPROTO_SCTP: {
      /* Common header: source port, destination port, tag, checksum. */
      __be16* ports = lb_hdr(ctx, p->l4_off, 12);
      if (!ports || p->l4_len < 12) return lb_drop(res, LB_DROP_MALFORMED_L4);
      p->tuple.sport = ports[0];
      p->tuple.dport = ports[1];
      return LB_CONTINUE;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
      __u8* ih = lb_hdr(ctx, p->l4_off, 8);
      if (!ih || p->l4_len < 8) return lb_drop(res, LB_DROP_MALFORMED_L4);
      p->icmp_type = ih[0];
      p->icmp_code = ih[1];
      return LB_CONTINUE;
    }
    default:
      return LB_CONTINUE;
  }
}

LB_INLINE int lb_parse_ipv4(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  struct iphdr* ip = lb_hdr(ctx, p->l3_off, sizeof(struct iphdr));
  if (!ip) return lb_drop(res, LB_DROP_MALFORMED_L3);
  __u32 ihl = (__u32)ip->ihl * 4;
  __u32 tot = lb_ntohs(ip->tot_len);
  __u32 avail = lb_pkt_len(ctx) - p->l3_off;
  if (ip->version != 4 || ihl < sizeof(struct iphdr) || tot < ihl || tot > avail)
    return lb_drop(res, LB_DROP_MALFORMED_L3);
  __u16 frag = lb_ntohs(ip->frag_off);
  p->family = LB_AF_INET;
  p->proto = ip->protocol;
  p->l3_len = (__u16)tot;
  p->l4_off = (__u16)(p->l3_off + ihl);
  p->l4_len = (__u16)(tot - ihl);
  p->fragment = (frag & (LB_IP_MF | LB_IP_OFFMASK)) != 0;
  p->has_l4 = (frag & LB_IP_OFFMASK) == 0;
  p->frag_id = lb_ntohs(ip->id);
  p->tuple.saddr.v4 = ip->saddr;
  p->tuple.daddr.v4 = ip->daddr;
  return lb_parse_l4(ctx, p, res);
}

/* One step of the IPv6 extension-header walk. Returns 1 when `*nexthdr` is
 * an upper-layer protocol (walk done), 0 to continue, or LB_DONE-style drop via res. */
LB_INLINE int lb_ipv6_ext_step(struct lb_ctx* ctx, struct lb_pkt* p, __u8* nexthdr, __u32* off,
                               __u32 end_off) {
  __u8* h;
  __u32 len;
  switch (*nexthdr) {
    case LB_NEXTHDR_HOP:
    case LB_NEXTHDR_ROUTING:
    case LB_NEXTHDR_DEST:
      h = lb_hdr(ctx, *off, 2);
      if (!h) return -1;
      len = ((__u32)h[1] + 1) * 8;
      break;
    case LB_NEXTHDR_AUTH:
      h = lb_hdr(ctx, *off, 2);
      if (!h) return -1;
      len = ((__u32)h[1] + 2) * 4;
      break;
    case LB_NEXTHDR_FRAGMENT: {
      h = lb_hdr(ctx, *off, 8);
      if (!h) return -1;
      __u16 offlg = (__u16)((h[2] << 8) | h[3]);
      p->fragment = 1;
      p->has_l4 = (offlg & 0xfff8) == 0;
      p->frag_hdr_off = (__u16)*off;
      p->frag_id = ((__u32)h[4] << 24) | ((__u32)h[5] << 16) | ((__u32)h[6] << 8) | h[7];
      len = 8;
      break;
    }
    default:
      return 1;
  }
  *nexthdr = h[0];
  *off += len;
  if (*off > end_off) return -1;
  return 0;
}

LB_INLINE int lb_parse_ipv6(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  struct ipv6hdr* ip6 = lb_hdr(ctx, p->l3_off, sizeof(struct ipv6hdr));
  if (!ip6) return lb_drop(res, LB_DROP_MALFORMED_L3);
  __u32 plen = lb_ntohs(ip6->payload_len);
  __u32 avail = lb_pkt_len(ctx) - p->l3_off;
  if (ip6->version != 6 || sizeof(struct ipv6hdr) + plen > avail)
    return lb_drop(res, LB_DROP_MALFORMED_L3);
  p->family = LB_AF_INET6;
  p->has_l4 = 1;
  __builtin_memcpy(p->tuple.saddr.b, &ip6->saddr, 16);
  __builtin_memcpy(p->tuple.daddr.b, &ip6->daddr, 16);
  __u8 nexthdr = ip6->nexthdr;
  __u32 off = p->l3_off + sizeof(struct ipv6hdr);
  __u32 end_off = p->l3_off + sizeof(struct ipv6hdr) + plen;
  int done = 0;
  LB_UNROLL
  for (int i = 0; i < LB_IPV6_MAX_EXT; i++) {
    int rc = lb_ipv6_ext_step(ctx, p, &nexthdr, &off, end_off);
    if (rc < 0) return lb_drop(res, LB_DROP_MALFORMED_L3);
    if (rc == 1) {
      done = 1;
      break;
    }
  }
  if (!done) {
    /* Walked the maximum: accept only if what follows is an upper layer. */
    __u8 nh = nexthdr;
    if (nh == LB_NEXTHDR_HOP || nh == LB_NEXTHDR_ROUTING || nh == LB_NEXTHDR_DEST ||
        nh == LB_NEXTHDR_AUTH || nh == LB_NEXTHDR_FRAGMENT)
      return lb_drop(res, LB_DROP_IPV6_EXT_CHAIN);
  }
  if (off > LB_MAX_OFF - 64) return lb_drop(res, LB_DROP_IPV6_EXT_CHAIN);
  p->proto = nexthdr;
  p->l3_len = (__u16)(sizeof(struct ipv6hdr) + plen);
  p->l4_off = (__u16)off;
  p->l4_len = (__u16)(end_off - off);
  return lb_parse_l4(ctx, p, res);
}

LB_INLINE int lb_parse(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  lb_memzero(p, sizeof(*p));
  struct ethhdr* eth = lb_hdr(ctx, 0, sizeof(struct ethhdr));
  if (!eth) return lb_drop(res, LB_DROP_MALFORMED_L2);
  p->l3_off = sizeof(struct ethhdr);
  if (eth->h_proto == lb_htons(ETH_P_IP)) {
    p->tuple.family = LB_AF_INET;
    int rc = lb_parse_ipv4(ctx, p, res);
    p->tuple.proto = p->proto;
    return rc;
  }
  if (eth->h_proto == lb_htons(ETH_P_IPV6)) {
    p->tuple.family = LB_AF_INET6;
    int rc = lb_parse_ipv6(ctx, p, res);
    p->tuple.proto = p->proto;
    return rc;
  }
  return lb_finish(res, LB_VERDICT_PASS, LB_EGRESS_NONE); /* ARP, LLDP, ...: not ours */
}

#endif /* SLUICE_DATAPLANE_CORE_LB_PARSE_H_ */
