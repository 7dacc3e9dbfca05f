/* The access layer: what an engine supplies to the packet core.
 *
 * An engine's environment header defines `struct lb_ctx` and the functions
 * below (static inline, or macros), then includes "dataplane/core/lb_core.h".
 * The core calls nothing else that differs between engines. Pointers returned
 * by map lookups stay valid for the rest of the packet; writes through them are
 * visible to later packets (as with BPF hash maps).
 *
 * Packet:
 *   __u8 *lb_pkt_data(struct lb_ctx *ctx);            first byte (Ethernet header)
 *   __u8 *lb_pkt_end(struct lb_ctx *ctx);             one past the last byte
 *   __u32 lb_pkt_len(struct lb_ctx *ctx);             bytes from data to end (a scalar:
 *                                                     BPF refuses arithmetic on the pointers)
 *   int   lb_pkt_adjust_head(struct lb_ctx *ctx, int delta);  delta < 0 grows; 0 on success
 *   int   lb_pkt_adjust_tail(struct lb_ctx *ctx, int delta);  delta < 0 shrinks; 0 on success
 *   __s64 lb_pkt_csum(ctx, __u32 off, __u32 len);     one's complement sum (32-bit, not
 *         folded) of len bytes at off, -1 if the packet is shorter (lb_csum.h's lb_csum_bytes)
 *   __s64 lb_pkt_crc32c(ctx, __u32 off, __u32 len);   running CRC32c of len bytes at off
 *         (lb_crc32c.h; start 0xffffffff, no final inversion), -1 if the packet is shorter
 *   int   lb_pkt_l4_csum_partial(ctx);   non-zero when the TCP/UDP checksum field holds
 *         only the pseudo-header sum, the rest left to checksum offload (a socket
 *         buffer's CHECKSUM_PARTIAL); 0 where checksums are complete (XDP, the wire)
 *
 * Maps (lookups return NULL when absent; updates return 0 on success):
 *   const struct lb_config *lb_map_config(ctx);
 *   struct lb_frontend_value *lb_map_frontend(ctx, const struct lb_frontend_key *);
 *   int   lb_map_is_node_addr(ctx, const struct lb_node_addr_key *);   non-zero if present
 *   struct lb_service *lb_map_service(ctx, __u32 service_id);
 *   __u32 *lb_map_table_slot(ctx, const struct lb_table_key *);
 *   struct lb_backend *lb_map_backend(ctx, __u32 backend_id);
 *   int   lb_map_backend_alive(ctx, __u32 backend_id);   non-zero if the backend exists
 *   int   lb_map_port_used(ctx, __be16 port);   non-zero if some frontend listens on this
 *         port (any address, any protocol): a cheap filter before frontend lookups
 *   int   lb_map_backend_port(ctx, __be16 port);   non-zero if some backend (any address)
 *         has this port: with the above, a cheap filter before conntrack lookups
 *   struct lb_affinity_value *lb_map_affinity(ctx, const struct lb_affinity_key *);
 *   int   lb_map_affinity_update(ctx, const struct lb_affinity_key *, const struct
 * lb_affinity_value *); struct lb_ct_entry *lb_map_ct(ctx, const struct lb_ct_key *); int
 * lb_map_ct_update(ctx, const struct lb_ct_key *, const struct lb_ct_entry *, int only_new); struct
 * lb_frag_value *lb_map_frag(ctx, const struct lb_frag_key *); int   lb_map_frag_update(ctx, const
 * struct lb_frag_key *, const struct lb_frag_value *);
 *
 * Other:
 *   __u32 lb_rr_next(ctx, __u32 service_id);   atomically increments the service's counter
 *   __u64 lb_now_ns(ctx);                      monotonic time
 *   __u32 lb_random(ctx);
 *   void  lb_count(ctx, __u32 counter, __u32 bytes);   enum lb_counter slot
 */
#ifndef SLUICE_DATAPLANE_CORE_LB_ENV_H_
#define SLUICE_DATAPLANE_CORE_LB_ENV_H_
#endif
