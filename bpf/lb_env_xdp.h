/* The packet core's access layer for XDP programs (dataplane/core/lb_env.h). */
#ifndef SLUICE_BPF_LB_ENV_XDP_H_
#define SLUICE_BPF_LB_ENV_XDP_H_

#include <bpf/bpf_endian.h>

#include "bpf/lb_maps.h"
#include "dataplane/core/lb_crc32c.h"

struct lb_ctx {
  struct xdp_md* xdp;
};

/* Added to the kernel clock; tests move time forward with it. */
volatile __u64 lb_clock_offset_ns = 0;

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

static __always_inline const struct lb_config* lb_map_config(struct lb_ctx* c) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&lb_config, &k);
}
#define lb_map_frontend(c, k) ((struct lb_frontend_value*)bpf_map_lookup_elem(&lb_frontends, k))
#define lb_map_is_node_addr(c, k) (bpf_map_lookup_elem(&lb_node_addrs, k) != 0)
static __always_inline struct lb_service* lb_map_service(struct lb_ctx* c, __u32 id) {
  return bpf_map_lookup_elem(&lb_services, &id);
}
#define lb_map_table_slot(c, k) ((__u32*)bpf_map_lookup_elem(&lb_tables, k))
static __always_inline struct lb_backend* lb_map_backend(struct lb_ctx* c, __u32 id) {
  return bpf_map_lookup_elem(&lb_backends, &id);
}
static __always_inline int lb_map_backend_alive(struct lb_ctx* c, __u32 id) {
  __u32* v = bpf_map_lookup_elem(&lb_backend_alive, &id);
  return v && *v;
}
static __always_inline int lb_map_port_used(struct lb_ctx* c, __be16 port) {
  __u32 k = bpf_ntohs(port);
  __u32* v = bpf_map_lookup_elem(&lb_ports, &k);
  return v && *v;
}
#define lb_map_affinity(c, k) ((struct lb_affinity_value*)bpf_map_lookup_elem(&lb_affinity, k))
#define lb_map_affinity_update(c, k, v) bpf_map_update_elem(&lb_affinity, k, v, BPF_ANY)
#define lb_map_ct(c, k) ((struct lb_ct_entry*)bpf_map_lookup_elem(&lb_ct, k))
#define lb_map_ct_update(c, k, v, only_new) \
  bpf_map_update_elem(&lb_ct, k, v, (only_new) ? BPF_NOEXIST : BPF_ANY)
#define lb_map_frag(c, k) ((struct lb_frag_value*)bpf_map_lookup_elem(&lb_frags, k))
#define lb_map_frag_update(c, k, v) bpf_map_update_elem(&lb_frags, k, v, BPF_ANY)
static __always_inline __u32 lb_rr_next(struct lb_ctx* c, __u32 id) {
  __u32* v = bpf_map_lookup_elem(&lb_rr, &id);
  return v ? __sync_fetch_and_add(v, 1) : 0;
}
#define lb_now_ns(c) (bpf_ktime_get_ns() + lb_clock_offset_ns)
#define lb_random(c) bpf_get_prandom_u32()
static __always_inline void lb_count(struct lb_ctx* c, __u32 slot, __u32 bytes) {
  __u64* v = bpf_map_lookup_elem(&lb_counters, &slot);
  if (v) *v += 1;
}

#endif /* SLUICE_BPF_LB_ENV_XDP_H_ */
