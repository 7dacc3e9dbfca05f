/* XDP programs: the packet core at the node's interfaces. The external
 * program serves traffic from outside the node (NodePort, LoadBalancer,
 * externalIPs, and replies); the local one, on the host side of pod veths,
 * serves pods (ClusterIP). */
#include "bpf/lb_xdp_run.h"

SEC("xdp")
int lb_xdp_external(struct xdp_md* xdp) {
  return lb_xdp(xdp, LB_HOOK_EXTERNAL);
}

SEC("xdp")
int lb_xdp_local(struct xdp_md* xdp) {
  return lb_xdp(xdp, LB_HOOK_LOCAL);
}

char LICENSE[] SEC("license") = "GPL";
