/* The XDP side of the packet core: runs it and turns its verdict into an XDP
 * action, forwarding by FIB lookup and redirect on a node. Shared by the
 * node's programs (lb_xdp.c) and the benchmark harness (lb_bench.c). */
#ifndef SLUICE_BPF_LB_XDP_RUN_H_
#define SLUICE_BPF_LB_XDP_RUN_H_

#include "bpf/lb_env_xdp.h"

#include "dataplane/core/lb_core.h"

#define LB_AF_INET_SOCK 2   /* AF_INET, for bpf_fib_lookup */
#define LB_AF_INET6_SOCK 10 /* AF_INET6 */

/* Set by the agent when attached to a node: forward translated packets with
 * a FIB lookup and a redirect instead of passing them up the stack. Off in
 * BPF_PROG_TEST_RUN tests, where the packet must come back as the core left it. */
volatile __u32 lb_xdp_redirect = 0;

/* Routes a translated packet as the node's stack would (next hop, MACs, TTL)
 * and redirects it. Falls back to XDP_PASS where the kernel knows better: no
 * route, no neighbour entry yet, TTL expiring. */
static __always_inline int lb_xdp_forward(struct xdp_md* xdp) {
  __u8* data = (__u8*)(long)xdp->data;
  __u8* end = (__u8*)(long)xdp->data_end;
  struct ethhdr* eth = (struct ethhdr*)data;
  if ((void*)(eth + 1) > (void*)end) return XDP_PASS;
  struct bpf_fib_lookup fib = {};
  fib.ifindex = xdp->ingress_ifindex;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (struct iphdr*)(eth + 1);
    if ((void*)(ip + 1) > (void*)end) return XDP_PASS;
    if (ip->ttl <= 1) return XDP_PASS;
    fib.family = LB_AF_INET_SOCK;
    fib.tos = ip->tos;
    fib.l4_protocol = ip->protocol;
    fib.tot_len = bpf_ntohs(ip->tot_len);
    fib.ipv4_src = ip->saddr;
    fib.ipv4_dst = ip->daddr;
    if (bpf_fib_lookup(xdp, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) return XDP_PASS;
    /* Re-check bounds: the helper call ends the verifier's knowledge. */
    data = (__u8*)(long)xdp->data;
    end = (__u8*)(long)xdp->data_end;
    eth = (struct ethhdr*)data;
    ip = (struct iphdr*)(eth + 1);
    if ((void*)(ip + 1) > (void*)end) return XDP_PASS;
    __u16 check = ip->check;
    lb_csum_replace2(&check, bpf_htons((__u16)ip->ttl << 8), bpf_htons((__u16)(ip->ttl - 1) << 8));
    ip->ttl--;
    ip->check = check;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (struct ipv6hdr*)(eth + 1);
    if ((void*)(ip6 + 1) > (void*)end) return XDP_PASS;
    if (ip6->hop_limit <= 1) return XDP_PASS;
    fib.family = LB_AF_INET6_SOCK;
    fib.l4_protocol = ip6->nexthdr;
    fib.tot_len = bpf_ntohs(ip6->payload_len) + sizeof(struct ipv6hdr);
    __builtin_memcpy(fib.ipv6_src, &ip6->saddr, 16);
    __builtin_memcpy(fib.ipv6_dst, &ip6->daddr, 16);
    if (bpf_fib_lookup(xdp, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) return XDP_PASS;
    data = (__u8*)(long)xdp->data;
    end = (__u8*)(long)xdp->data_end;
    eth = (struct ethhdr*)data;
    ip6 = (struct ipv6hdr*)(eth + 1);
    if ((void*)(ip6 + 1) > (void*)end) return XDP_PASS;
    ip6->hop_limit--;
  } else {
    return XDP_PASS;
  }
  __builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
  __builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
  return bpf_redirect(fib.ifindex, 0);
}

static __always_inline int lb_xdp(struct xdp_md* xdp, int hook) {
  struct lb_ctx ctx = {.raw = xdp};
  struct lb_result res;
  lb_process(&ctx, hook, &res);
  switch (res.verdict) {
    case LB_VERDICT_DROP:
      return XDP_DROP;
    case LB_VERDICT_REJECT:
      /* Routed like a forward on a node: XDP_TX into a veth is lost unless
       * the peer runs XDP itself, and the answer may belong elsewhere. */
      return lb_xdp_redirect ? lb_xdp_forward(xdp) : XDP_TX;
    case LB_VERDICT_FORWARD:
      return lb_xdp_redirect ? lb_xdp_forward(xdp) : XDP_PASS;
    default:
      return XDP_PASS;
  }
}

#endif /* SLUICE_BPF_LB_XDP_RUN_H_ */
