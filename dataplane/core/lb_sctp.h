/* SCTP's CRC32c (RFC 4960 appendix B). Changing addresses does not touch it
 * (no pseudo-header), but changing a port means recomputing it over the whole
 * packet, so the core does that, bounded in length. */
#ifndef SLUICE_DATAPLANE_CORE_LB_SCTP_H_
#define SLUICE_DATAPLANE_CORE_LB_SCTP_H_

#include "dataplane/core/lb_helpers.h"

#ifndef LB_SCTP_MAX_LEN
#define LB_SCTP_MAX_LEN 2048 /* longest SCTP packet whose port the core rewrites */
#endif

/* Bitwise CRC32c (reflected polynomial 0x82F63B78); a table would need a map
 * in BPF, and SCTP with port translation is rare enough to pay 8 steps a byte. */
LB_INLINE __u32 lb_crc32c_byte(__u32 crc, __u8 b) {
  crc ^= b;
  LB_UNROLL
  for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
  return crc;
}

/* Recomputes the checksum of the SCTP packet at `off` of `len` bytes.
 * Returns 0, or -1 if the packet is too long or truncated. */
LB_INLINE int lb_sctp_update_crc(struct lb_ctx* ctx, __u32 off, __u32 len) {
  if (len > LB_SCTP_MAX_LEN || len < 12) return -1;
  __u8* hdr = lb_hdr(ctx, off, 12);
  if (!hdr) return -1;
  __u8* p = hdr;
  __u8* end = lb_pkt_end(ctx);
  if (p + len > end) return -1;
  __u32 crc = 0xffffffffu;
  for (__u32 i = 0; i < LB_SCTP_MAX_LEN; i++) {
    if (i >= len) break;
    if (p + i + 1 > end) return -1;
    /* The checksum field (bytes 8..11) counts as zero. */
    crc = lb_crc32c_byte(crc, (i >= 8 && i < 12) ? 0 : p[i]);
  }
  crc = ~crc;
  /* Stored least significant byte first, as the reflected CRC comes out. */
  hdr[8] = (__u8)crc;
  hdr[9] = (__u8)(crc >> 8);
  hdr[10] = (__u8)(crc >> 16);
  hdr[11] = (__u8)(crc >> 24);
  return 0;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_SCTP_H_ */
