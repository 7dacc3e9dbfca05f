/* lb_pkt_csum and lb_pkt_crc32c for every BPF access layer, with bpf_loop():
 * the verifier checks the callback once instead of every byte of an unrolled
 * or bounded loop. The including header defines `lb_raw_ctx` (the program's
 * context type) and LB_RAW_DATA(r) / LB_RAW_END(r) (its packet pointers), and
 * `struct lb_ctx` with a member `raw`. */
#ifndef SLUICE_BPF_LB_ENV_LOOPS_H_
#define SLUICE_BPF_LB_ENV_LOOPS_H_

#include "dataplane/core/lb_crc32c.h"

struct lb_crc_loop {
  lb_raw_ctx* raw;
  __u32 off;
  __u32 crc;
  int err;
};

static long lb_crc_step(__u32 i, void* arg) {
  struct lb_crc_loop* l = arg;
  __u8* d = LB_RAW_DATA(l->raw);
  __u8* e = LB_RAW_END(l->raw);
  __u32 o = (l->off + i) & 0x3fff;
  if (d + o + 1 > e) {
    l->err = 1;
    return 1;
  }
  l->crc = lb_crc32c_byte(l->crc, d[o]);
  return 0;
}

struct lb_csum_loop {
  lb_raw_ctx* raw;
  __u32 off;
  __u32 len;
  __u32 sum;
  int err;
};

static long lb_csum_step(__u32 i, void* arg) {
  struct lb_csum_loop* l = arg;
  __u8* d = LB_RAW_DATA(l->raw);
  __u8* e = LB_RAW_END(l->raw);
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
  struct lb_csum_loop l = {.raw = c->raw, .off = off, .len = len, .sum = 0, .err = 0};
  bpf_loop((len + 1) / 2, lb_csum_step, &l, 0);
  return l.err ? -1 : (__s64)l.sum;
}

static __always_inline __s64 lb_pkt_crc32c(struct lb_ctx* c, __u32 off, __u32 len) {
  struct lb_crc_loop l = {.raw = c->raw, .off = off, .crc = 0xffffffffu, .err = 0};
  bpf_loop(len, lb_crc_step, &l, 0);
  return l.err ? -1 : (__s64)l.crc;
}

#endif /* SLUICE_BPF_LB_ENV_LOOPS_H_ */
