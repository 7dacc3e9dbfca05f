/* The packet core's access layer for tc programs (dataplane/core/lb_env.h):
 * socket buffers, which may carry offloaded checksums and segmentation. */
#ifndef SLUICE_BPF_LB_ENV_TC_H_
#define SLUICE_BPF_LB_ENV_TC_H_

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "bpf/lb_maps.h"

typedef struct __sk_buff lb_raw_ctx;

struct lb_ctx {
  struct __sk_buff* raw;
  int csum_partial; /* read once per packet: the skb's ip_summed */
};

#include "bpf/lb_env_maps.h"

/* Loaded with inline assembly: clang otherwise keeps `skb + offsetof(data)`
 * in a register across the core, and the verifier refuses a load through a
 * modified context pointer. */
static __always_inline __u8* lb_skb_data(struct __sk_buff* s) {
  __u8* p;
  asm volatile("%0 = *(u32 *)(%1 + %2)"
               : "=r"(p)
               : "r"(s), "i"(__builtin_offsetof(struct __sk_buff, data)));
  return p;
}
static __always_inline __u8* lb_skb_end(struct __sk_buff* s) {
  __u8* p;
  asm volatile("%0 = *(u32 *)(%1 + %2)"
               : "=r"(p)
               : "r"(s), "i"(__builtin_offsetof(struct __sk_buff, data_end)));
  return p;
}
#define LB_RAW_DATA(r) lb_skb_data(r)
#define LB_RAW_END(r) lb_skb_end(r)

static __always_inline __u8* lb_pkt_data(struct lb_ctx* c) {
  return lb_skb_data(c->raw);
}
static __always_inline __u8* lb_pkt_end(struct lb_ctx* c) {
  return lb_skb_end(c->raw);
}
static __always_inline __u32 lb_pkt_len(struct lb_ctx* c) {
  return c->raw->len;
}
/* The core only ever grows the head (to build an answer in place). */
static __always_inline int lb_pkt_adjust_head(struct lb_ctx* c, int d) {
  if (d > 0) return -1;
  return (int)bpf_skb_change_head(c->raw, (__u32)-d, 0);
}
static __always_inline int lb_pkt_adjust_tail(struct lb_ctx* c, int d) {
  return (int)bpf_skb_change_tail(c->raw, c->raw->len + d, 0);
}
static __always_inline int lb_pkt_l4_csum_partial(struct lb_ctx* c) {
  return c->csum_partial;
}

/* ip_summed is not in __sk_buff; the kernel's sk_buff is read through the
 * kfunc that casts the context, with the field's offset relocated (CO-RE). */
extern void* bpf_cast_to_kern_ctx(void* ctx) __ksym;
struct sk_buff___lb {
  __u8 ip_summed : 2;
} __attribute__((preserve_access_index));
#define LB_CHECKSUM_PARTIAL 3

static __always_inline int lb_skb_csum_partial(struct __sk_buff* s) {
  struct sk_buff___lb* k = bpf_cast_to_kern_ctx(s);
  return BPF_CORE_READ_BITFIELD(k, ip_summed) == LB_CHECKSUM_PARTIAL;
}

#include "bpf/lb_env_loops.h"

#endif /* SLUICE_BPF_LB_ENV_TC_H_ */
