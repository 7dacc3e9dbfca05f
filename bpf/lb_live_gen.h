/* The traffic generator of `sluice bench` (tools/sluice/bench/): runs under
 * BPF_PROG_TEST_RUN in live-frames mode, where the kernel recycles frame
 * buffers without rewriting them, so every run first writes the headers under
 * test back and, for the new-flow pattern, a source (address low half, port)
 * never sent before, fixing the IPv4 header checksum that the kernel path
 * verifies. Shared by bpf/lb_live.c and bpf/lb_live_sluice.c. */
#ifndef SLUICE_BPF_LB_LIVE_GEN_H_
#define SLUICE_BPF_LB_LIVE_GEN_H_

#include <linux/bpf.h>
/* after linux/bpf.h, whose types they use */
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define LB_LIVE_HDR 64 /* bytes restored: Ethernet + IPv4 + UDP + padding */

/* Written by the tool before each run. */
__u8 lb_live_frame[LB_LIVE_HDR];
volatile __u32 lb_live_new_flows = 0; /* 1: every frame a new flow */
__u32 lb_live_seq = 0;

static __always_inline int lb_live_restore(struct xdp_md* xdp) {
  __u8* d = (__u8*)(long)xdp->data;
  __u8* e = (__u8*)(long)xdp->data_end;
  if (d + LB_LIVE_HDR > e) return -1;
  __builtin_memcpy(d, lb_live_frame, LB_LIVE_HDR);
  if (lb_live_new_flows) {
    __u32 seq = __sync_fetch_and_add(&lb_live_seq, 1);
    __u16 hi = bpf_htons((__u16)(seq >> 15));
    __u16 port = bpf_htons((__u16)((seq & 0x7fff) | 0x8000));
    /* The template's source address low half is zero: add `hi` to the
     * one's-complement sum of the header (byte-order neutral on 16-bit
     * words as stored). */
    __u16 check;
    __builtin_memcpy(&check, d + 24, 2);
    __u32 sum = (__u16)~check + (__u32)hi;
    sum = (sum & 0xffff) + (sum >> 16);
    check = (__u16)~sum;
    __builtin_memcpy(d + 24, &check, 2);
    __builtin_memcpy(d + 28, &hi, 2);   /* IPv4 source address, low half */
    __builtin_memcpy(d + 34, &port, 2); /* UDP source port (checksum 0: none) */
  }
  return 0;
}

#endif /* SLUICE_BPF_LB_LIVE_GEN_H_ */
