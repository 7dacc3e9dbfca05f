/* The packet core's access layer for XDP programs (dataplane/core/lb_env.h). */
#ifndef SLUICE_BPF_LB_ENV_XDP_H_
#define SLUICE_BPF_LB_ENV_XDP_H_

#include <bpf/bpf_endian.h>

#include "bpf/lb_maps.h"

typedef struct xdp_md lb_raw_ctx;

struct lb_ctx {
  struct xdp_md* raw;
  __u32 len; /* the frame's length, kept across head and tail moves */
};

#include "bpf/lb_env_maps.h"

/* The empty asm hides that the pointers come from 32-bit loads; otherwise
 * clang may move them with 32-bit instructions, which the verifier refuses. */
static __always_inline __u8* lb_xdp_data(struct xdp_md* x) {
  __u8* p = (__u8*)(long)x->data;
  asm volatile("" : "+r"(p));
  return p;
}
static __always_inline __u8* lb_xdp_end(struct xdp_md* x) {
  __u8* p = (__u8*)(long)x->data_end;
  asm volatile("" : "+r"(p));
  return p;
}
#define LB_RAW_DATA(r) lb_xdp_data(r)
#define LB_RAW_END(r) lb_xdp_end(r)

static __always_inline __u8* lb_pkt_data(struct lb_ctx* c) {
  return lb_xdp_data(c->raw);
}
static __always_inline __u8* lb_pkt_end(struct lb_ctx* c) {
  return lb_xdp_end(c->raw);
}
/* The core asks for the length several times a packet; each helper call
 * costs a few ns (a pointer difference is not something the verifier allows). */
static __always_inline void lb_xdp_ctx_init(struct lb_ctx* c, struct xdp_md* x) {
  c->raw = x;
  c->len = (__u32)bpf_xdp_get_buff_len(x);
}
static __always_inline __u32 lb_pkt_len(struct lb_ctx* c) {
  return c->len;
}
static __always_inline int lb_pkt_adjust_head(struct lb_ctx* c, int d) {
  int rc = bpf_xdp_adjust_head(c->raw, d);
  c->len = (__u32)bpf_xdp_get_buff_len(c->raw);
  return rc;
}
static __always_inline int lb_pkt_adjust_tail(struct lb_ctx* c, int d) {
  int rc = bpf_xdp_adjust_tail(c->raw, d);
  c->len = (__u32)bpf_xdp_get_buff_len(c->raw);
  return rc;
}
/* XDP sees frames as the wire carries them: checksums are complete. */
static __always_inline int lb_pkt_l4_csum_partial(struct lb_ctx* c) {
  return 0;
}

#include "bpf/lb_env_loops.h"

#endif /* SLUICE_BPF_LB_ENV_XDP_H_ */
