/* Programs of `sluice bench` that need no Sluice maps: the live-frames
 * generator for the kernel-path contenders (frames go up the node's stack),
 * the no-op ceiling (counted and dropped at once: run by the live-frames
 * generator, or attached to the node's external interface under the packet
 * generator) and the sink that counts what reaches the backends. Loaded by
 * tools/sluice/bench/, never by the agent. */
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

/* The benchmark's frames are IPv4 UDP; ARP, IPv6 neighbour discovery and
 * the tests' own traffic are not counted. */
static __always_inline int lb_live_is_udp4(struct xdp_md* xdp) {
  __u8* d = (__u8*)(long)xdp->data;
  __u8* e = (__u8*)(long)xdp->data_end;
  struct ethhdr* eth = (struct ethhdr*)d;
  if ((void*)(eth + 1) > (void*)e || eth->h_proto != bpf_htons(ETH_P_IP)) return 0;
  struct iphdr* ip = (struct iphdr*)(eth + 1);
  return (void*)(ip + 1) <= (void*)e && ip->protocol == IPPROTO_UDP;
}

/* The no-op ceiling under the packet generator: on the node's external
 * interface, counts the client's real frames and drops them (no restore:
 * the frames are already what was sent). */
SEC("xdp")
int lb_live_drop(struct xdp_md* xdp) {
  if (!lb_live_is_udp4(xdp)) return XDP_PASS;
  __sync_fetch_and_add(&lb_live_ceiling, 1);
  return XDP_DROP;
}

/* On the sink's end of the node's backend link: counts and drops the
 * benchmark's UDP frames, passes the rest. */
SEC("xdp")
int lb_live_sink(struct xdp_md* xdp) {
  if (!lb_live_is_udp4(xdp)) return XDP_PASS;
  __sync_fetch_and_add(&lb_live_sunk, 1);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
