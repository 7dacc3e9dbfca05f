/* Internet checksums: incremental updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'))
 * for NAT, and full sums for the packets the core builds itself.
 * Fields are read and written in network byte order; one's complement sums
 * do not care about byte order as long as every term has the same one. */
#ifndef SLUICE_DATAPLANE_CORE_LB_CSUM_H_
#define SLUICE_DATAPLANE_CORE_LB_CSUM_H_

#include "dataplane/core/lb_helpers.h"

LB_INLINE __u32 lb_csum_add(__u32 sum, __u32 v) {
  sum += v;
  return sum + (sum < v);
}

LB_INLINE __u16 lb_csum_fold(__u32 sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)sum;
}

LB_INLINE void lb_csum_replace2(__u16* csum, __u16 from, __u16 to) {
  __u32 s = (__u16) ~*csum;
  s = lb_csum_add(s, (__u16)~from);
  s = lb_csum_add(s, to);
  *csum = (__u16)~lb_csum_fold(s);
}

LB_INLINE void lb_csum_replace4(__u16* csum, __u32 from, __u32 to) {
  __u32 s = (__u16) ~*csum;
  s = lb_csum_add(s, ~from);
  s = lb_csum_add(s, to);
  *csum = (__u16)~lb_csum_fold(s);
}

/* Replaces a 4-word (IPv6 or padded IPv4) address; for IPv4 only w[0] differs. */
LB_INLINE void lb_csum_replace_addr(__u16* csum, const union lb_addr* from,
                                    const union lb_addr* to) {
  __u32 s = (__u16) ~*csum;
  LB_UNROLL
  for (int i = 0; i < 4; i++) {
    s = lb_csum_add(s, ~from->w[i]);
    s = lb_csum_add(s, to->w[i]);
  }
  *csum = (__u16)~lb_csum_fold(s);
}

/* Sum of `len` bytes (len <= max, both even-safe), bounded for the verifier. */
#define LB_CSUM_MAX_BYTES 1500

LB_INLINE __u32 lb_csum_bytes(__u32 sum, const __u8* p, const __u8* end, __u32 len) {
  for (__u32 i = 0; i < LB_CSUM_MAX_BYTES; i += 2) {
    if (i >= len) break;
    if (p + i + 1 > end) break;
    __u16 w = (__u16)(p[i] << 8);
    if (i + 1 < len && p + i + 2 <= end) w |= p[i + 1];
    sum = lb_csum_add(sum, lb_htons(w));
  }
  return sum;
}

/* Pseudo-header sum for TCP/UDP/ICMPv6 (addresses, length and protocol). */
LB_INLINE __u32 lb_csum_pseudo(const union lb_addr* s, const union lb_addr* d, __u8 family,
                               __u32 len, __u8 proto) {
  __u32 sum = 0;
  int words = family == LB_AF_INET6 ? 4 : 1;
  LB_UNROLL
  for (int i = 0; i < 4; i++) {
    if (i < words) {
      sum = lb_csum_add(sum, s->w[i]);
      sum = lb_csum_add(sum, d->w[i]);
    }
  }
  sum = lb_csum_add(sum, lb_htonl(len));
  sum = lb_csum_add(sum, lb_htonl((__u32)proto));
  return sum;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_CSUM_H_ */
