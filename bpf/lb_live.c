/* Programs of `sluice bench` that need no Sluice maps: the generator for the
 * kernel-path contenders (frames go up the node's stack), the no-op ceiling
 * (counted and dropped at once) and the sink that counts what reaches the
 * backends. Loaded by tools/sluice/bench/, never by the agent. */
#include "bpf/lb_live_gen.h"

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>

__u64 lb_live_ceiling = 0; /* frames the no-op program saw */
__u64 lb_live_sunk = 0;    /* IPv4 UDP frames that reached the sink */

SEC("xdp")
int lb_live_gen(struct xdp_md* xdp) {
  if (lb_live_restore(xdp)) return XDP_ABORTED;
  return XDP_PASS;
}

SEC("xdp")
int lb_live_noop(struct xdp_md* xdp) {
  if (lb_live_restore(xdp)) return XDP_ABORTED;
  __sync_fetch_and_add(&lb_live_ceiling, 1);
  return XDP_DROP;
}

/* On the sink's end of the node's backend link: counts and drops the
 * benchmark's UDP frames, passes the rest (ARP, the tests' own traffic). */
SEC("xdp")
int lb_live_sink(struct xdp_md* xdp) {
  __u8* d = (__u8*)(long)xdp->data;
  __u8* e = (__u8*)(long)xdp->data_end;
  struct ethhdr* eth = (struct ethhdr*)d;
  if ((void*)(eth + 1) > (void*)e || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr* ip = (struct iphdr*)(eth + 1);
  if ((void*)(ip + 1) > (void*)e || ip->protocol != IPPROTO_UDP) return XDP_PASS;
  __sync_fetch_and_add(&lb_live_sunk, 1);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
