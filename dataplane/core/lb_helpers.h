/* Small pieces every part of the core uses: inlining, byte order, bounded
 * header access and the verdict convention. */
#ifndef SLUICE_DATAPLANE_CORE_LB_HELPERS_H_
#define SLUICE_DATAPLANE_CORE_LB_HELPERS_H_

#include <linux/types.h>

#include "dataplane/abi/lb_abi.h"

#define LB_INLINE static inline __attribute__((always_inline))

/* Loops the BPF verifier should see unrolled (bounded, small). */
#if defined(__clang__)
#define LB_UNROLL _Pragma("unroll")
#else
#define LB_UNROLL _Pragma("GCC unroll 8")
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define lb_htons(x) ((__be16)__builtin_bswap16((__u16)(x)))
#define lb_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define lb_htonl(x) ((__be32)__builtin_bswap32((__u32)(x)))
#define lb_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#else
#define lb_htons(x) ((__be16)(x))
#define lb_ntohs(x) ((__u16)(x))
#define lb_htonl(x) ((__be32)(x))
#define lb_ntohl(x) ((__u32)(x))
#endif

#define LB_NS_PER_SEC 1000000000ull

/* Header offsets never exceed this (IPv6 extension walk is bounded); the
 * mask keeps the BPF verifier's view of an offset bounded. */
#define LB_MAX_OFF 1023u

/* Returns a pointer to `len` bytes at `off`, or NULL if the packet is shorter. */
#define lb_hdr(ctx, off, len)                           \
  ({                                                    \
    __u8* d_ = lb_pkt_data(ctx);                        \
    __u8* e_ = lb_pkt_end(ctx);                         \
    __u32 o_ = (__u32)(off)&LB_MAX_OFF;                 \
    (void*)(d_ + o_ + (len) > e_ ? (__u8*)0 : d_ + o_); \
  })

/* Verdict convention: a step returns LB_CONTINUE, or LB_DONE after filling in
 * the result; the caller does `if (rc == LB_DONE) return rc;`. */
#define LB_CONTINUE 0
#define LB_DONE 1

LB_INLINE int lb_finish(struct lb_result* res, __u8 verdict, __u8 egress) {
  res->verdict = verdict;
  res->egress = egress;
  return LB_DONE;
}

LB_INLINE int lb_drop(struct lb_result* res, __u8 reason) {
  res->verdict = LB_VERDICT_DROP;
  res->egress = LB_EGRESS_NONE;
  res->reason = reason;
  return LB_DONE;
}

LB_INLINE int lb_addr_eq(const union lb_addr* a, const union lb_addr* b) {
  return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

LB_INLINE void lb_addr_copy(union lb_addr* dst, const union lb_addr* src) {
  dst->w[0] = src->w[0];
  dst->w[1] = src->w[1];
  dst->w[2] = src->w[2];
  dst->w[3] = src->w[3];
}

LB_INLINE void lb_memzero(void* p, __u32 n) {
  __builtin_memset(p, 0, n);
}

#endif /* SLUICE_DATAPLANE_CORE_LB_HELPERS_H_ */
