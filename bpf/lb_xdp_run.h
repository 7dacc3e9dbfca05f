/* The XDP side of the packet core: runs it and turns its verdict into an XDP
 * action, forwarding by FIB lookup and redirect on a node. Shared by the
 * node's programs (lb_xdp.c) and the benchmark harness (lb_bench.c). */
#ifndef SLUICE_BPF_LB_XDP_RUN_H_
#define SLUICE_BPF_LB_XDP_RUN_H_

#include "bpf/lb_env_xdp.h"
#include "bpf/lb_fib.h"

#include "dataplane/core/lb_core.h"

/* Set by the agent when attached to a node: forward translated packets with
 * a FIB lookup and a redirect instead of passing them up the stack. Off in
 * BPF_PROG_TEST_RUN tests, where the packet must come back as the core left it. */
volatile __u32 lb_xdp_redirect = 0;

/* Routes a translated packet as the node's stack would (next hop, MACs, TTL)
 * and redirects it. Falls back to XDP_PASS where the kernel knows better: no
 * route, no neighbour entry yet, TTL expiring. */
static __always_inline int lb_xdp_forward(struct xdp_md* xdp) {
  struct bpf_fib_lookup fib = {};
  if (lb_fib_prepare((__u8*)(long)xdp->data, (__u8*)(long)xdp->data_end, &fib, 1)) return XDP_PASS;
  fib.ifindex = xdp->ingress_ifindex;
  if (bpf_fib_lookup(xdp, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) return XDP_PASS;
  /* Reload: the helper call ends the verifier's knowledge of the bounds. */
  __u8* data = (__u8*)(long)xdp->data;
  __u8* end = (__u8*)(long)xdp->data_end;
  if (lb_fib_forwarded(data, end)) return XDP_PASS;
  struct ethhdr* eth = (struct ethhdr*)data;
  if ((void*)(eth + 1) > (void*)end) return XDP_PASS;
  __builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
  __builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
  return bpf_redirect(fib.ifindex, 0);
}

static __always_inline int lb_xdp(struct xdp_md* xdp, int hook) {
  struct lb_ctx ctx;
  lb_xdp_ctx_init(&ctx, xdp);
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
