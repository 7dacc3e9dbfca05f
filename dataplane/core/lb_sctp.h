/* SCTP's CRC32c (RFC 4960 appendix B). Changing addresses does not touch it
 * (no pseudo-header), but changing a port means recomputing it over the whole
 * packet, so the core does that, bounded in length. */
#ifndef SLUICE_DATAPLANE_CORE_LB_SCTP_H_
#define SLUICE_DATAPLANE_CORE_LB_SCTP_H_

#include "dataplane/core/lb_crc32c.h"
#include "dataplane/core/lb_helpers.h"

#ifndef LB_SCTP_MAX_LEN
#define LB_SCTP_MAX_LEN 2048 /* longest SCTP packet whose port the core rewrites */
#endif

/* Offsets into the payload (beyond the headers) are masked with this, which
 * tells the BPF verifier they are bounded; the bounds check does the rest. */
#define LB_MAX_PAYLOAD_OFF 0x3fffu

/* The CRC32c of the SCTP packet at `off` of `len` bytes, with the checksum
 * field counted as zero, or -1 if the packet is truncated. The loop over the
 * packet is the access layer's (lb_pkt_crc32c): natively a plain loop, in BPF
 * a bpf_loop(), which the verifier checks once instead of once a byte. */
LB_INLINE int lb_sctp_update_crc(struct lb_ctx* ctx, __u32 off, __u32 len) {
  if (len > LB_SCTP_MAX_LEN || len < 12) return -1;
  __u8* hdr = lb_hdr(ctx, off, 12);
  if (!hdr) return -1;
  hdr[8] = hdr[9] = hdr[10] = hdr[11] = 0;
  __s64 crc = lb_pkt_crc32c(ctx, off, len);
  if (crc < 0) return -1;
  __u32 c = ~(__u32)crc;
  hdr = lb_hdr(ctx, off, 12);
  if (!hdr) return -1;
  /* Stored least significant byte first, as the reflected CRC comes out. */
  hdr[8] = (__u8)c;
  hdr[9] = (__u8)(c >> 8);
  hdr[10] = (__u8)(c >> 16);
  hdr[11] = (__u8)(c >> 24);
  return 0;
}

#endif /* SLUICE_DATAPLANE_CORE_LB_SCTP_H_ */
