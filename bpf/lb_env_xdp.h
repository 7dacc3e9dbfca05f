/* The packet core's access layer for XDP programs (dataplane/core/lb_env.h). */
#ifndef SLUICE_BPF_LB_ENV_XDP_H_
#define SLUICE_BPF_LB_ENV_XDP_H_

#include <bpf/bpf_endian.h>

#include "bpf/lb_maps.h"
#include "dataplane/core/lb_crc32c.h"

struct lb_ctx {
  struct xdp_md* xdp;
};

#include "bpf/lb_env_maps.h"

/* The empty asm hides that the pointers come from 32-bit loads; otherwise
 * clang may move them with 32-bit instructions, which the verifier refuses. */
static __always_inline __u8* lb_pkt_data(struct lb_ctx* c) {
  __u8* p = (__u8*)(long)c->xdp->data;
  asm volatile("" : "+r"(p));
  return p;
}
static __always_inline __u8* lb_pkt_end(struct lb_ctx* c) {
  __u8* p = (__u8*)(long)c->xdp->data_end;
  asm volatile("" : "+r"(p));
  return p;
}
static __always_inline __u32 lb_pkt_len(struct lb_ctx* c) {
  return (__u32)bpf_xdp_get_buff_len(c->xdp);
}
static __always_inline int lb_pkt_adjust_head(struct lb_ctx* c, int d) {
  return bpf_xdp_adjust_head(c->xdp, d);
}
static __always_inline int lb_pkt_adjust_tail(struct lb_ctx* c, int d) {
  return bpf_xdp_adjust_tail(c->xdp, d);
}
/* lb_pkt_crc32c with bpf_loop(): the verifier checks the callback once,
 * instead of every byte of an unrolled or bounded loop. */
struct lb_crc_loop {
  struct xdp_md* xdp;
  __u32 off;
  __u32 crc;
  int err;
};

static long lb_crc_step(__u32 i, void* arg) {
  struct lb_crc_loop* l = arg;
  __u8* d = (__u8*)(long)l->xdp->data;
  __u8* e = (__u8*)(long)l->xdp->data_end;
  __u32 o = (l->off + i) & 0x3fff;
  if (d + o + 1 > e) {
    l->err = 1;
    return 1;
  }
  l->crc = lb_crc32c_byte(l->crc, d[o]);
  return 0;
}

struct lb_csum_loop {
  struct xdp_md* xdp;
  __u32 off;
  __u32 len;
  __u32 sum;
  int err;
};

static long lb_csum_step(__u32 i, void* arg) {
  struct lb_csum_loop* l = arg;
  __u8* d = (__u8*)(long)l->xdp->data;
  __u8* e = (__u8*)(long)l->xdp->data_end;
  __u8* b = d + ((l->off + 2 * i) & 0x3fff);
  int two = 2 * i + 1 < l->len;
  if (b + 1 > e || (two && b + 2 > e)) {
    l->err = 1;
    return 1;
  }
  __u16 w = (__u16)(b[0] << 8);
  if (two && b + 2 <= e) w |= b[1];
  __u32 v = bpf_htons(w);
  l->sum += v;
  if (l->sum < v) l->sum++;
  return 0;
}

static __always_inline __s64 lb_pkt_csum(struct lb_ctx* c, __u32 off, __u32 len) {
  struct lb_csum_loop l = {.xdp = c->xdp, .off = off, .len = len, .sum = 0, .err = 0};
  bpf_loop((len + 1) / 2, lb_csum_step, &l, 0);
  return l.err ? -1 : (__s64)l.sum;
}

static __always_inline __s64 lb_pkt_crc32c(struct lb_ctx* c, __u32 off, __u32 len) {
  struct lb_crc_loop l = {.xdp = c->xdp, .off = off, .crc = 0xffffffffu, .err = 0};
  bpf_loop(len, lb_crc_step, &l, 0);
  return l.err ? -1 : (__s64)l.crc;
}

#endif /* SLUICE_BPF_LB_ENV_XDP_H_ */
