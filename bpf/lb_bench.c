/* Benchmark harness (bench/bpf_xdp_benchmark): BPF_PROG_TEST_RUN with a
 * repeat count runs a program again and again on the same buffer, keeping
 * what the previous run wrote, so after one run a translated packet is no
 * longer the packet under test. Each harness program first writes the frame
 * under test back (and, for new flows, a fresh source address and port), then
 * runs the core or, for the baseline, returns XDP_TX. Never attached. */
#include "bpf/lb_xdp_run.h"

#define LB_BENCH_FRAME 64 /* bytes restored: the benchmark's 64-byte frames */

/* Written by the benchmark before each measurement. */
__u8 lb_bench_frame[LB_BENCH_FRAME];
volatile __u32 lb_bench_new_flows = 0; /* 1: a new IPv4 source per run */
__u32 lb_bench_seq = 0;

static __always_inline int lb_bench_restore(struct xdp_md* xdp) {
  __u8* d = (__u8*)(long)xdp->data;
  __u8* e = (__u8*)(long)xdp->data_end;
  if (d + LB_BENCH_FRAME > e) return -1;
  __builtin_memcpy(d, lb_bench_frame, LB_BENCH_FRAME);
  if (lb_bench_new_flows) {
    /* 2^32 distinct (source address low half, source port) pairs: every run
     * of a 10-million repeat is a flow conntrack has not seen. */
    __u32 seq = ++lb_bench_seq;
    __u16 hi = bpf_htons((__u16)(seq >> 16)), port = bpf_htons((__u16)(seq | 1024));
    __builtin_memcpy(d + 28, &hi, 2); /* IPv4 source address, low half */
    __builtin_memcpy(d + 34, &port, 2); /* L4 source port */
  }
  return 0;
}

SEC("xdp")
int lb_bench_noop(struct xdp_md* xdp) {
  if (lb_bench_restore(xdp)) return XDP_ABORTED;
  return XDP_TX;
}

SEC("xdp")
int lb_bench_external(struct xdp_md* xdp) {
  if (lb_bench_restore(xdp)) return XDP_ABORTED;
  return lb_xdp(xdp, LB_HOOK_EXTERNAL);
}

char LICENSE[] SEC("license") = "GPL";
