/* The flow hash that picks a Maglev slot. Every engine must compute the same
 * value for the same tuple (the reference engine is the oracle for BPF and
 * DPDK), so it is plain integer arithmetic on the tuple's wire bytes:
 * the murmur3 32-bit mixing steps over the words of the tuple. */
#ifndef SLUICE_DATAPLANE_CORE_LB_HASH_H_
#define SLUICE_DATAPLANE_CORE_LB_HASH_H_

#include "dataplane/core/lb_helpers.h"

LB_INLINE __u32 lb_rotl32(__u32 x, int r) {
  return (x << r) | (x >> (32 - r));
}

LB_INLINE __u32 lb_hash_mix(__u32 h, __u32 k) {
  k *= 0xcc9e2d51u;
  k = lb_rotl32(k, 15);
  k *= 0x1b873593u;
  h ^= k;
  h = lb_rotl32(h, 13);
  return h * 5 + 0xe6546b64u;
}

LB_INLINE __u32 lb_hash_final(__u32 h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Hash of a 5-tuple; seed distinguishes uses (selection, SNAT ports). */
LB_INLINE __u32 lb_hash_tuple(const struct lb_ct_key* k, __u32 seed) {
  __u32 h = seed;
  LB_UNROLL
  for (int i = 0; i < 4; i++) h = lb_hash_mix(h, k->saddr.w[i]);
  LB_UNROLL
  for (int i = 0; i < 4; i++) h = lb_hash_mix(h, k->daddr.w[i]);
  h = lb_hash_mix(h, ((__u32)k->sport << 16) | k->dport);
  h = lb_hash_mix(h, ((__u32)k->proto << 8) | k->family);
  return lb_hash_final(h ^ 40);
}

/* The BPF engine's IPv4 conntrack table (struct lb_ct4_bucket): a key's hash,
 * the tag that marks its way, and its two buckets (never the same one).
 * Programs and user space (dataplane/bpf/ct4_table) must agree. */
LB_INLINE __u32 lb_ct4_hash_of(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport, __u8 proto) {
  __u32 h = 0x63743421u;
  h = lb_hash_mix(h, saddr);
  h = lb_hash_mix(h, daddr);
  h = lb_hash_mix(h, ((__u32)sport << 16) | dport);
  h = lb_hash_mix(h, proto);
  return lb_hash_final(h ^ 16);
}

LB_INLINE __u32 lb_ct4_hash(const struct lb_ct4_key* k) {
  return lb_ct4_hash_of(k->saddr, k->daddr, k->sport, k->dport, k->proto);
}

LB_INLINE __u32 lb_ct4_tag(__u32 h) {
  return (lb_rotl32(h, 16) & ~3u) | LB_CT4_TAG_LIVE;
}

LB_INLINE __u32 lb_ct4_primary(__u32 h) {
  return h & (LB_CT4_BUCKETS - 1);
}

LB_INLINE __u32 lb_ct4_secondary(__u32 h) {
  return (h ^ ((h >> 16) | 1)) & (LB_CT4_BUCKETS - 1);
}

#define LB_HASH_SEED_SELECT 0x5175u
#define LB_HASH_SEED_SNAT 0x534e4154u

#endif /* SLUICE_DATAPLANE_CORE_LB_HASH_H_ */
