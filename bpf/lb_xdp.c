/* XDP programs: the packet core at the node's interfaces. The external
 * program serves traffic from outside the node (NodePort, LoadBalancer,
 * externalIPs, and replies); the local one, on the host side of pod veths,
 * serves pods (ClusterIP). */
#include "bpf/lb_env_xdp.h"

#include "dataplane/core/lb_core.h"

static __always_inline int lb_xdp(struct xdp_md* xdp, int hook) {
  struct lb_ctx ctx = {.xdp = xdp};
  struct lb_result res;
  lb_process(&ctx, hook, &res);
  switch (res.verdict) {
    case LB_VERDICT_DROP:
      return XDP_DROP;
    case LB_VERDICT_REJECT:
      return XDP_TX;
    default:
      /* Forwarded packets go up the stack rewritten, which routes them; the
       * redirect fast path comes with the FIB lookup. */
      return XDP_PASS;
  }
}

SEC("xdp")
int lb_xdp_external(struct xdp_md* xdp) {
  return lb_xdp(xdp, LB_HOOK_EXTERNAL);
}

SEC("xdp")
int lb_xdp_local(struct xdp_md* xdp) {
  return lb_xdp(xdp, LB_HOOK_LOCAL);
}

char LICENSE[] SEC("license") = "GPL";
