/* The Sluice contender of `sluice bench`: the generator's frame restore
 * (lb_live_gen.h) followed by the node's external XDP program, forwarding by
 * FIB lookup and redirect (the tool sets lb_xdp_redirect). Shares the
 * engine's maps (BpfEngine::ShareMaps). */
#include "bpf/lb_live_gen.h"
#include "bpf/lb_xdp_run.h"

SEC("xdp")
int lb_live_sluice(struct xdp_md* xdp) {
  if (lb_live_restore(xdp)) return XDP_ABORTED;
  return lb_xdp(xdp, LB_HOOK_EXTERNAL);
}

char LICENSE[] SEC("license") = "GPL";
