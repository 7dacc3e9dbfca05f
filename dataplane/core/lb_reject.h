/* A clear "no": a TCP RST, or ICMP/ICMPv6 port unreachable, for a packet to a
 * service with no usable endpoints (what kube-proxy's REJECT rule gives).
 * The packet is rewritten in place into the answer, to go back the way it came. */
#ifndef SLUICE_DATAPLANE_CORE_LB_REJECT_H_
#define SLUICE_DATAPLANE_CORE_LB_REJECT_H_

#include "dataplane/core/lb_csum.h"
#include "dataplane/core/lb_parse.h"

#define LB_REJECT_TTL 64
#ifndef LB_ICMP6_QUOTE_MAX
#define LB_ICMP6_QUOTE_MAX 1232 /* keeps the error within the IPv6 minimum MTU (RFC 4443 2.4) */
#endif

/* Writes a swapped Ethernet header at offset 0 from the one at `old_off`. */
LB_INLINE int lb_reject_eth(struct lb_ctx* ctx, __u32 old_off, __be16 proto) {
  struct ethhdr* old = lb_hdr(ctx, old_off, sizeof(struct ethhdr));
  struct ethhdr* eth = lb_hdr(ctx, 0, sizeof(struct ethhdr));
  if (!old || !eth) return -1;
  __u8 src[ETH_ALEN], dst[ETH_ALEN];
  __builtin_memcpy(src, old->h_source, ETH_ALEN);
  __builtin_memcpy(dst, old->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, src, ETH_ALEN);
  __builtin_memcpy(eth->h_source, dst, ETH_ALEN);
  eth->h_proto = proto;
  return 0;
}

/* Headers the core writes are built on the stack and copied into the packet
 * whole: the checksum is computed over the stack copy, with no packet bounds
 * for the verifier to track. */
LB_INLINE void lb_write_ipv4(struct iphdr* ip, __u16 tot_len, __u8 proto, __u8 tos, __be32 saddr,
                             __be32 daddr) {
  struct iphdr h;
  lb_memzero(&h, sizeof(h));
  h.version = 4;
  h.ihl = 5;
  h.tos = tos;
  h.tot_len = lb_htons(tot_len);
  h.frag_off = lb_htons(0x4000); /* DF */
  h.ttl = LB_REJECT_TTL;
  h.protocol = proto;
  h.saddr = saddr;
  h.daddr = daddr;
  h.check = (__u16)~lb_csum_fold(lb_csum_bytes(0, (__u8*)&h, (__u8*)(&h + 1), sizeof(h)));
  *ip = h;
}

LB_INLINE void lb_write_ipv6(struct ipv6hdr* ip6, __u16 payload_len, __u8 nexthdr,
                             const union lb_addr* saddr, const union lb_addr* daddr) {
  __u8* b = (__u8*)ip6;
  b[0] = 0x60;
  b[1] = 0;
  b[2] = 0;
  b[3] = 0;
  ip6->payload_len = lb_htons(payload_len);
  ip6->nexthdr = nexthdr;
  ip6->hop_limit = LB_REJECT_TTL;
  __builtin_memcpy(&ip6->saddr, saddr->b, 16);
  __builtin_memcpy(&ip6->daddr, daddr->b, 16);
}

/* TCP: answer with RST (RFC 9293 3.10.7.1: seq from the ACK if there is one,
 * else seq 0 with ACK of everything the segment occupied). Never answer a RST. */
LB_INLINE int lb_reject_tcp(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  struct tcphdr* th = lb_hdr(ctx, p->l4_off, sizeof(struct tcphdr));
  if (!th) return lb_drop(res, LB_DROP_REJECT_FAILED);
  if (p->tcp_flags & LB_TCPF_RST) return lb_drop(res, LB_DROP_NO_ENDPOINTS);
  __u32 seg = p->l4_len - (__u32)th->doff * 4;
  if (p->tcp_flags & LB_TCPF_SYN) seg++;
  if (p->tcp_flags & LB_TCPF_FIN) seg++;
  __be32 seq, ack;
  __u8 flags;
  if (p->tcp_flags & LB_TCPF_ACK) {
    seq = th->ack_seq;
    ack = 0;
    flags = LB_TCPF_RST;
  } else {
    seq = 0;
    ack = lb_htonl(lb_ntohl(th->seq) + seg);
    flags = LB_TCPF_RST | LB_TCPF_ACK;
  }
  const struct lb_ct_key* t = &p->tuple;
  __u32 iplen = p->family == LB_AF_INET ? 20 : 40;
  __u32 newlen = sizeof(struct ethhdr) + iplen + 20;
  if (lb_pkt_adjust_tail(ctx, (int)newlen - (int)lb_pkt_len(ctx)))
    return lb_drop(res, LB_DROP_REJECT_FAILED);
  if (lb_reject_eth(ctx, 0, p->family == LB_AF_INET ? lb_htons(ETH_P_IP) : lb_htons(ETH_P_IPV6)))
    return lb_drop(res, LB_DROP_REJECT_FAILED);
  struct tcphdr nt;
  lb_memzero(&nt, sizeof(nt));
  nt.source = t->dport;
  nt.dest = t->sport;
  nt.seq = seq;
  nt.ack_seq = ack;
  ((__u8*)&nt)[12] = 5 << 4;
  ((__u8*)&nt)[13] = flags;
  __u32 sum = lb_csum_pseudo(&t->daddr, &t->saddr, p->family, 20, IPPROTO_TCP);
  sum = lb_csum_bytes(sum, (__u8*)&nt, (__u8*)(&nt + 1), sizeof(nt));
  nt.check = (__u16)~lb_csum_fold(sum);
  struct tcphdr* tcp = lb_hdr(ctx, sizeof(struct ethhdr) + iplen, sizeof(struct tcphdr));
  if (!tcp) return lb_drop(res, LB_DROP_REJECT_FAILED);
  *tcp = nt;
  if (p->family == LB_AF_INET) {
    struct iphdr* ip = lb_hdr(ctx, sizeof(struct ethhdr), sizeof(struct iphdr));
    if (!ip) return lb_drop(res, LB_DROP_REJECT_FAILED);
    lb_write_ipv4(ip, 40, IPPROTO_TCP, 0, t->daddr.v4, t->saddr.v4);
  } else {
    struct ipv6hdr* ip6 = lb_hdr(ctx, sizeof(struct ethhdr), sizeof(struct ipv6hdr));
    if (!ip6) return lb_drop(res, LB_DROP_REJECT_FAILED);
    lb_write_ipv6(ip6, 20, IPPROTO_TCP, &t->daddr, &t->saddr);
  }
  return lb_finish(res, LB_VERDICT_REJECT, LB_EGRESS_BOUNCE);
}

/* UDP and SCTP: ICMP destination/port unreachable quoting the offending
 * packet (IPv4: its header and 8 bytes, RFC 792; IPv6: as much as fits). */
LB_INLINE int lb_reject_icmp(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  const int v4 = p->family == LB_AF_INET;
  const __u32 grow = v4 ? 28 : 48; /* new IP header + ICMP header */
  __u32 quote;
  if (v4) {
    quote = (__u32)(p->l4_off - p->l3_off) + 8;
    if (quote > p->l3_len) quote = p->l3_len;
  } else {
    quote = p->l3_len > LB_ICMP6_QUOTE_MAX ? LB_ICMP6_QUOTE_MAX : p->l3_len;
  }
  union lb_addr client, service;
  lb_addr_copy(&client, &p->tuple.saddr);
  lb_addr_copy(&service, &p->tuple.daddr);
  if (lb_pkt_adjust_head(ctx, -(int)grow)) return lb_drop(res, LB_DROP_REJECT_FAILED);
  const __u32 quote_off = sizeof(struct ethhdr) + grow; /* where the old IP header now is */
  if (lb_pkt_adjust_tail(ctx, (int)(quote_off + quote) - (int)lb_pkt_len(ctx)))
    return lb_drop(res, LB_DROP_REJECT_FAILED);
  if (lb_reject_eth(ctx, grow, v4 ? lb_htons(ETH_P_IP) : lb_htons(ETH_P_IPV6)))
    return lb_drop(res, LB_DROP_REJECT_FAILED);
  __u32 icmp_off = quote_off - 8;
  __u8* icmp = lb_hdr(ctx, icmp_off, 8);
  if (!icmp) return lb_drop(res, LB_DROP_REJECT_FAILED);
  icmp[0] = v4 ? LB_ICMP_DEST_UNREACH : LB_ICMP6_DEST_UNREACH;
  icmp[1] = v4 ? LB_ICMP_PORT_UNREACH : LB_ICMP6_PORT_UNREACH;
  icmp[2] = icmp[3] = icmp[4] = icmp[5] = icmp[6] = icmp[7] = 0;
  __s64 body = lb_pkt_csum(ctx, icmp_off, 8 + quote);
  if (body < 0) return lb_drop(res, LB_DROP_REJECT_FAILED);
  __u32 sum = v4 ? 0 : lb_csum_pseudo(&service, &client, LB_AF_INET6, 8 + quote, IPPROTO_ICMPV6);
  sum = lb_csum_add(sum, (__u32)body);
  __u16* check = lb_hdr(ctx, icmp_off + 2, 2);
  if (!check) return lb_drop(res, LB_DROP_REJECT_FAILED);
  *check = (__u16)~lb_csum_fold(sum);
  if (v4) {
    struct iphdr* ip = lb_hdr(ctx, sizeof(struct ethhdr), sizeof(struct iphdr));
    if (!ip) return lb_drop(res, LB_DROP_REJECT_FAILED);
    /* TOS 0xc0 (internetwork control), as Linux sends its ICMP errors. */
    lb_write_ipv4(ip, (__u16)(20 + 8 + quote), IPPROTO_ICMP, 0xc0, service.v4, client.v4);
  } else {
    struct ipv6hdr* ip6 = lb_hdr(ctx, sizeof(struct ethhdr), sizeof(struct ipv6hdr));
    if (!ip6) return lb_drop(res, LB_DROP_REJECT_FAILED);
    lb_write_ipv6(ip6, (__u16)(8 + quote), IPPROTO_ICMPV6, &service, &client);
  }
  return lb_finish(res, LB_VERDICT_REJECT, LB_EGRESS_BOUNCE);
}

LB_INLINE int lb_reject(struct lb_ctx* ctx, struct lb_pkt* p, struct lb_result* res) {
  if (p->fragment) return lb_drop(res, LB_DROP_NO_ENDPOINTS);
  if (p->proto == IPPROTO_TCP) return lb_reject_tcp(ctx, p, res);
  return lb_reject_icmp(ctx, p, res);
}

#endif /* SLUICE_DATAPLANE_CORE_LB_REJECT_H_ */
