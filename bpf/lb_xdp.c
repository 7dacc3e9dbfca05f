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

/* The kernel's tick rate, from its configuration (0 where libbpf cannot read
 * it: the programs then use the coarse monotonic clock). */
extern int CONFIG_HZ __kconfig __weak;

/* Run once by the loader (BPF_PROG_TEST_RUN on an empty frame; an XDP
 * program because syscall programs may not read the coarse clock): sets the clock's tick length
 * and its base so that it reads CLOCK_MONOTONIC_COARSE, as user space does.
 * Jiffies and the coarse clock move on the same tick; both are read between
 * two jiffies reads so that a tick in between is noticed and retried. A
 * test's time offset ends with the engine that set it. */
SEC("xdp")
int lb_clock_sync(struct xdp_md* xdp) {
  __u32 k = 0;
  struct lb_clock* c = bpf_map_lookup_elem(&lb_clock, &k);
  if (!c) return XDP_ABORTED;
  c->offset_ns = 0;
  if (CONFIG_HZ <= 0) {
    c->ns_per_tick = 0;
    return XDP_DROP;
  }
  __u64 tick = (1000000000ull + (__u64)CONFIG_HZ / 2) / (__u64)CONFIG_HZ; /* TICK_NSEC */
  for (int i = 0; i < 4; i++) {
    __u64 j = bpf_jiffies64();
    __u64 mono = bpf_ktime_get_coarse_ns();
    if (bpf_jiffies64() != j) continue;
    c->base_ns = mono - j * tick;
    c->ns_per_tick = tick;
    return XDP_DROP;
  }
  c->ns_per_tick = 0; /* ticks too fast to pin down: the helper clock */
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
