/* Routing a translated packet from BPF: the FIB lookup's parameters from the
 * packet, and the TTL (hop limit) a forwarded packet loses. Shared by the XDP
 * (lb_xdp_run.h) and tc (lb_tc.c) forwarders. */
#ifndef SLUICE_BPF_LB_FIB_H_
#define SLUICE_BPF_LB_FIB_H_

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>

#include "dataplane/core/lb_csum.h"

#define LB_AF_INET_SOCK 2   /* AF_INET, for bpf_fib_lookup */
#define LB_AF_INET6_SOCK 10 /* AF_INET6 */

/* Fills `fib` (but ifindex) from the Ethernet frame at [data, end). Returns 0,
 * or -1 when it is not IP, is too short, or (with `forwarding`) its TTL would
 * expire on the way: such a packet is the stack's business. */
static __always_inline int lb_fib_prepare(__u8* data, __u8* end, struct bpf_fib_lookup* fib,
                                          int forwarding) {
  struct ethhdr* eth = (struct ethhdr*)data;
  if ((void*)(eth + 1) > (void*)end) return -1;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (struct iphdr*)(eth + 1);
    if ((void*)(ip + 1) > (void*)end) return -1;
    if (forwarding && ip->ttl <= 1) return -1;
    fib->family = LB_AF_INET_SOCK;
    fib->tos = ip->tos;
    fib->l4_protocol = ip->protocol;
    fib->tot_len = bpf_ntohs(ip->tot_len);
    fib->ipv4_src = ip->saddr;
    fib->ipv4_dst = ip->daddr;
    return 0;
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (struct ipv6hdr*)(eth + 1);
    if ((void*)(ip6 + 1) > (void*)end) return -1;
    if (forwarding && ip6->hop_limit <= 1) return -1;
    fib->family = LB_AF_INET6_SOCK;
    fib->l4_protocol = ip6->nexthdr;
    fib->tot_len = bpf_ntohs(ip6->payload_len) + sizeof(struct ipv6hdr);
    __builtin_memcpy(fib->ipv6_src, &ip6->saddr, 16);
    __builtin_memcpy(fib->ipv6_dst, &ip6->daddr, 16);
    return 0;
  }
  return -1;
}

/* Takes one from the TTL (IPv4, with its checksum) or hop limit (IPv6) of the
 * frame at [data, end) — reloaded by the caller after the lookup helper. */
static __always_inline int lb_fib_forwarded(__u8* data, __u8* end) {
  struct ethhdr* eth = (struct ethhdr*)data;
  if ((void*)(eth + 1) > (void*)end) return -1;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (struct iphdr*)(eth + 1);
    if ((void*)(ip + 1) > (void*)end) return -1;
    __u16 check = ip->check;
    lb_csum_replace2(&check, bpf_htons((__u16)ip->ttl << 8), bpf_htons((__u16)(ip->ttl - 1) << 8));
    ip->ttl--;
    ip->check = check;
    return 0;
  }
  struct ipv6hdr* ip6 = (struct ipv6hdr*)(eth + 1);
  if ((void*)(ip6 + 1) > (void*)end) return -1;
  ip6->hop_limit--;
  return 0;
}

#endif /* SLUICE_BPF_LB_FIB_H_ */
