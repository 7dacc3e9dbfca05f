/* The reference engine's access layer: the packet core compiled natively,
 * with maps kept by ReferenceEngine (C++) behind plain C functions. */
#ifndef SLUICE_DATAPLANE_REFERENCE_REF_ENV_H_
#define SLUICE_DATAPLANE_REFERENCE_REF_ENV_H_

#include <linux/types.h>

#include "dataplane/abi/lb_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lb_ref_maps; /* owned by sluice::ReferenceEngine */

/* A packet in a buffer with headroom and tailroom, as XDP gives one. */
struct lb_ctx {
  __u8* data;
  __u8* end;
  __u8* buf;
  __u8* buf_end;
  struct lb_ref_maps* maps;
};

const struct lb_config* lb_ref_config(struct lb_ref_maps* m);
struct lb_frontend_value* lb_ref_frontend(struct lb_ref_maps* m, const struct lb_frontend_key* k);
int lb_ref_is_node_addr(struct lb_ref_maps* m, const struct lb_node_addr_key* k);
struct lb_service* lb_ref_service(struct lb_ref_maps* m, __u32 id);
__u32* lb_ref_table_slot(struct lb_ref_maps* m, const struct lb_table_key* k);
struct lb_backend* lb_ref_backend(struct lb_ref_maps* m, __u32 id);
int lb_ref_port_used(struct lb_ref_maps* m, __be16 port);
int lb_ref_backend_port(struct lb_ref_maps* m, __be16 port);
struct lb_affinity_value* lb_ref_affinity(struct lb_ref_maps* m, const struct lb_affinity_key* k);
int lb_ref_affinity_update(struct lb_ref_maps* m, const struct lb_affinity_key* k,
                           const struct lb_affinity_value* v);
struct lb_ct_entry* lb_ref_ct(struct lb_ref_maps* m, const struct lb_ct_key* k);
int lb_ref_ct_update(struct lb_ref_maps* m, const struct lb_ct_key* k, const struct lb_ct_entry* v,
                     int only_new);
struct lb_frag_value* lb_ref_frag(struct lb_ref_maps* m, const struct lb_frag_key* k);
int lb_ref_frag_update(struct lb_ref_maps* m, const struct lb_frag_key* k,
                       const struct lb_frag_value* v);
__u32 lb_ref_rr_next(struct lb_ref_maps* m, __u32 service_id);
__u64 lb_ref_now_ns(struct lb_ref_maps* m);
__u32 lb_ref_random(struct lb_ref_maps* m);
void lb_ref_count(struct lb_ref_maps* m, __u32 counter, __u32 bytes);

/* Runs the packet core on ctx (defined in ref_core.c). */
void lb_ref_process(struct lb_ctx* ctx, int hook, struct lb_result* res);

#ifdef __cplusplus
}
#endif

#ifndef __cplusplus
/* The access layer the core expects (dataplane/core/lb_env.h). */
static inline __u8* lb_pkt_data(struct lb_ctx* ctx) {
  return ctx->data;
}
static inline __u8* lb_pkt_end(struct lb_ctx* ctx) {
  return ctx->end;
}
static inline __u32 lb_pkt_len(struct lb_ctx* ctx) {
  return (__u32)(ctx->end - ctx->data);
}
static inline int lb_pkt_adjust_head(struct lb_ctx* ctx, int delta) {
  if (ctx->data + delta < ctx->buf || ctx->data + delta > ctx->end) return -1;
  ctx->data += delta;
  return 0;
}
static inline int lb_pkt_adjust_tail(struct lb_ctx* ctx, int delta) {
  if (ctx->end + delta > ctx->buf_end || ctx->end + delta < ctx->data) return -1;
  ctx->end += delta;
  return 0;
}
#include "dataplane/core/lb_crc32c.h"
#include "dataplane/core/lb_csum.h"
static inline __s64 lb_pkt_csum(struct lb_ctx* ctx, __u32 off, __u32 len) {
  if (ctx->data + off + len > ctx->end) return -1;
  return lb_csum_bytes(0, ctx->data + off, ctx->end, len);
}
#define lb_pkt_l4_csum_partial(ctx) 0
#define lb_pkt_crc32c(ctx, off, len) lb_crc32c_span((ctx)->data + (off), (ctx)->end, (len))
#define lb_map_config(ctx) lb_ref_config((ctx)->maps)
#define lb_map_frontend(ctx, k) lb_ref_frontend((ctx)->maps, k)
#define lb_map_is_node_addr(ctx, k) lb_ref_is_node_addr((ctx)->maps, k)
#define lb_map_service(ctx, id) lb_ref_service((ctx)->maps, id)
#define lb_map_table_slot(ctx, k) lb_ref_table_slot((ctx)->maps, k)
#define lb_map_backend(ctx, id) lb_ref_backend((ctx)->maps, id)
#define lb_map_backend_alive(ctx, id) (lb_ref_backend((ctx)->maps, id) != 0)
#define lb_map_port_used(ctx, port) lb_ref_port_used((ctx)->maps, port)
#define lb_map_backend_port(ctx, port) lb_ref_backend_port((ctx)->maps, port)
#define lb_map_affinity(ctx, k) lb_ref_affinity((ctx)->maps, k)
#define lb_map_affinity_update(ctx, k, v) lb_ref_affinity_update((ctx)->maps, k, v)
#define lb_map_ct(ctx, k) lb_ref_ct((ctx)->maps, k)
#define lb_map_ct_update(ctx, k, v, only_new) lb_ref_ct_update((ctx)->maps, k, v, only_new)
#define lb_map_frag(ctx, k) lb_ref_frag((ctx)->maps, k)
#define lb_map_frag_update(ctx, k, v) lb_ref_frag_update((ctx)->maps, k, v)
#define lb_rr_next(ctx, id) lb_ref_rr_next((ctx)->maps, id)
#define lb_now_ns(ctx) lb_ref_now_ns((ctx)->maps)
#define lb_random(ctx) lb_ref_random((ctx)->maps)
#define lb_count(ctx, c, b) lb_ref_count((ctx)->maps, c, b)
#endif

#endif /* SLUICE_DATAPLANE_REFERENCE_REF_ENV_H_ */
