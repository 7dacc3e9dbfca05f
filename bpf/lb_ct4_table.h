/* The IPv4 conntrack table of the programs (struct lb_ct4_bucket in the ABI
 * says how it is laid out and why). Nothing takes a lock: a way is claimed by
 * swapping its tag for BUSY, filled, then published with its key's tag; an
 * insert that then finds its key in another way too withdraws, so two CPUs
 * never keep one key twice (a SNAT port is claimed by inserting its reply key
 * only if it is absent).
 *
 * The searches are global functions: the verifier checks each once instead of
 * at every call site (the SNAT probe loop alone has sixteen), and each keeps a
 * stack frame small enough to sit on top of the packet core's (512 bytes for
 * both). They take the core's generic key (IPv4 in its first words) and
 * return numbers (bucket * LB_CT4_WAYS + way), not pointers: the inline
 * callers look the bucket up themselves.
 * Include from lb_env_maps.h, after lb_clock_ns(). */
#ifndef SLUICE_BPF_LB_CT4_TABLE_H_
#define SLUICE_BPF_LB_CT4_TABLE_H_

#include "bpf/lb_maps.h"
#include "dataplane/core/lb_hash.h"

#define LB_CT4_WAY(w) ((w) & (LB_CT4_WAYS - 1))
#define LB_CT4_AT_MASK (LB_CT4_BUCKETS * LB_CT4_WAYS - 1)
#define LB_CT4_AT_DISPLACED (1 << 30) /* lb_ct4_claim(): the way is in the secondary bucket */
#define LB_CT4_AT_EVICTED (1 << 29)   /* lb_ct4_claim(): a live entry was given up */
#define lb_ct4_barrier() asm volatile("" ::: "memory")

static __always_inline struct lb_ct4_bucket* lb_ct4_bucket_at(__u32 i) {
  return bpf_map_lookup_elem(&lb_ct4_buckets, &i);
}

static __always_inline __u32 lb_ct4_hash_key(const struct lb_ct_key* k) {
  return lb_ct4_hash_of(k->saddr.v4, k->daddr.v4, k->sport, k->dport, k->proto);
}

static __always_inline int lb_ct4_key_eq(const struct lb_ct4_key* a, const struct lb_ct_key* k) {
  return a->saddr == k->saddr.v4 && a->daddr == k->daddr.v4 && a->sport == k->sport &&
         a->dport == k->dport && a->proto == k->proto;
}

/* The way of `b` other than `skip` that holds `k` (whose tag is `tag`), or -1. */
static __always_inline int lb_ct4_find(struct lb_ct4_bucket* b, const struct lb_ct_key* k,
                                       __u32 tag, int skip) {
#pragma unroll
  for (int i = 0; i < LB_CT4_WAYS; i++) {
    if (i == skip) continue;
    __u32 t = *(volatile __u32*)&b->tags[i];
    if ((t & ~LB_CT4_TAG_DISPLACED) != tag) continue;
    lb_ct4_barrier(); /* the key was written before the tag */
    if (lb_ct4_key_eq(&b->slots[i].key, k)) return i;
  }
  return -1;
}

/* Where `k` (of hash `h`) is, other than at `skip` (-1: anywhere), or -1. */
__attribute__((noinline)) int lb_ct4_locate(const struct lb_ct_key* k, __u32 h, int skip) {
  if (!k) return -1;
  __u32 i = lb_ct4_primary(h);
  struct lb_ct4_bucket* b = lb_ct4_bucket_at(i);
  if (!b) return -1;
  int w = lb_ct4_find(b, k, lb_ct4_tag(h), skip - (int)(i * LB_CT4_WAYS));
  if (w < 0) {
    if (!b->displaced) return -1; /* most misses end at the first cache line */
    i = lb_ct4_secondary(h);
    b = lb_ct4_bucket_at(i);
    if (!b) return -1;
    w = lb_ct4_find(b, k, lb_ct4_tag(h), skip - (int)(i * LB_CT4_WAYS));
    if (w < 0) return -1;
  }
  return (int)(i * LB_CT4_WAYS + (__u32)w);
}

/* Takes way `w` of `b` from tag `t` (if it is still `t`): the way, with 8
 * added when the entry given up sat displaced, or -1. */
static __always_inline int lb_ct4_take(struct lb_ct4_bucket* b, int w, __u32 t) {
  w = LB_CT4_WAY(w);
  if (__sync_val_compare_and_swap(&b->tags[w], t, LB_CT4_TAG_BUSY) != t) return -1;
  return (t & LB_CT4_TAG_LIVE) && (t & LB_CT4_TAG_DISPLACED) ? w + LB_CT4_WAYS : w;
}

static __always_inline int lb_ct4_take_empty(struct lb_ct4_bucket* b) {
#pragma unroll
  for (int i = 0; i < LB_CT4_WAYS; i++)
    if (*(volatile __u32*)&b->tags[i] == LB_CT4_TAG_EMPTY && lb_ct4_take(b, i, 0) >= 0) return i;
  return -1;
}

/* A way whose entry has expired; with `evict`, else the live entry that
 * expires first (expiry and way packed in one word, so the search keeps few
 * registers). */
static __always_inline int lb_ct4_take_stale(struct lb_ct4_bucket* b, __u64 now, int evict) {
  __u64 best = ~0ull;
#pragma unroll
  for (int i = 0; i < LB_CT4_WAYS; i++) {
    __u32 t = *(volatile __u32*)&b->tags[i];
    if (!(t & LB_CT4_TAG_LIVE)) continue;
    __u64 expiry = b->slots[i].entry.expires_ns;
    if (expiry < now) {
      int w = lb_ct4_take(b, i, t);
      if (w >= 0) return w;
    } else {
      __u64 packed = (expiry & ~(__u64)(LB_CT4_WAYS - 1)) | (__u64)i;
      if (packed < best) best = packed;
    }
  }
  if (!evict || best == ~0ull) return -1;
  int w = (int)(best & (LB_CT4_WAYS - 1));
  return lb_ct4_take(b, w, *(volatile __u32*)&b->tags[w]);
}

/* Claims a way for a new key of hash `h`: empty in its primary bucket, else
 * empty in its secondary, else expired in either, else the primary's entry
 * that expires first. Returns its place with LB_CT4_AT_* flags, or -1. */
__attribute__((noinline)) int lb_ct4_claim(__u32 h) {
  struct lb_ct4_bucket* b = lb_ct4_bucket_at(lb_ct4_primary(h));
  if (!b) return -1;
  int w = lb_ct4_take_empty(b);
  if (w >= 0) return (int)(lb_ct4_primary(h) * LB_CT4_WAYS) + w;
  struct lb_ct4_bucket* b2 = lb_ct4_bucket_at(lb_ct4_secondary(h));
  if (!b2) return -1;
  w = lb_ct4_take_empty(b2);
  if (w >= 0) return (int)(lb_ct4_secondary(h) * LB_CT4_WAYS) + w + LB_CT4_AT_DISPLACED;
  __u64 now = lb_clock_ns();
  int at = -1;
  w = lb_ct4_take_stale(b, now, 0);
  if (w >= 0) {
    at = (int)(lb_ct4_primary(h) * LB_CT4_WAYS) + LB_CT4_WAY(w);
  } else {
    w = lb_ct4_take_stale(b2, now, 0);
    if (w >= 0) {
      b = b2;
      at = (int)(lb_ct4_secondary(h) * LB_CT4_WAYS) + LB_CT4_WAY(w) + LB_CT4_AT_DISPLACED;
    } else {
      w = lb_ct4_take_stale(b, now, 1);
      if (w < 0) return -1;
      at = (int)(lb_ct4_primary(h) * LB_CT4_WAYS) + LB_CT4_WAY(w) + LB_CT4_AT_EVICTED;
    }
  }
  if (w >= LB_CT4_WAYS) {
    /* The entry given up sat displaced: its primary bucket counts one less. */
    struct lb_ct4_bucket* home =
        lb_ct4_bucket_at(lb_ct4_primary(lb_ct4_hash(&b->slots[LB_CT4_WAY(w)].key)));
    if (home) __sync_fetch_and_sub(&home->displaced, 1);
  }
  return at;
}

static __always_inline struct lb_ct_entry* lb_ct4_entry_at(int at) {
  struct lb_ct4_bucket* b = lb_ct4_bucket_at((__u32)(at & LB_CT4_AT_MASK) / LB_CT4_WAYS);
  if (!b) return 0;
  asm volatile("" : "+r"(b)); /* keeps clang from adding the offset before the check */
  return &b->slots[LB_CT4_WAY(at)].entry;
}

static __always_inline struct lb_ct_entry* lb_ct4_lookup(const struct lb_ct_key* k) {
  int at = lb_ct4_locate(k, lb_ct4_hash_key(k), -1);
  if (at < 0) return 0;
  return lb_ct4_entry_at(at);
}

/* Fills way `c` (lb_ct4_claim's answer) and publishes it, then looks for a
 * twin: with `only_new` this insert withdraws (whoever sees a twin does, so
 * two CPUs never both keep one key), else the twin goes (the replaced entry,
 * or a racing insert of the same flow). Returns 0 or -17 (EEXIST). */
static __always_inline int lb_ct4_publish(const struct lb_ct_key* k, __u32 h,
                                          const struct lb_ct_entry* v, int c, int only_new) {
  struct lb_ct4_bucket* b = lb_ct4_bucket_at((__u32)(c & LB_CT4_AT_MASK) / LB_CT4_WAYS);
  if (!b) return -2;
  struct lb_ct4_slot* s = &b->slots[LB_CT4_WAY(c)];
  s->key.saddr = k->saddr.v4;
  s->key.daddr = k->daddr.v4;
  s->key.sport = k->sport;
  s->key.dport = k->dport;
  s->key.proto = k->proto;
  s->key.pad[0] = s->key.pad[1] = s->key.pad[2] = 0;
  __builtin_memcpy(&s->entry, v, sizeof(*v));
  __u32 tag = lb_ct4_tag(h);
  if (c & LB_CT4_AT_DISPLACED) {
    struct lb_ct4_bucket* home = lb_ct4_bucket_at(lb_ct4_primary(h));
    if (home) __sync_fetch_and_add(&home->displaced, 1);
    tag |= LB_CT4_TAG_DISPLACED;
  }
  /* An exchange is a full barrier: the search below sees what others
   * published before it, and they see this. */
  __sync_lock_test_and_set(&b->tags[LB_CT4_WAY(c)], tag);
  int twin = lb_ct4_locate(k, h, c & LB_CT4_AT_MASK);
  if (twin < 0) return 0;
  __u32 home_index = lb_ct4_primary(h);
  if (!only_new) {
    b = lb_ct4_bucket_at((__u32)twin / LB_CT4_WAYS);
    c = twin;
  }
  if (!b) return 0;
  __u32 was = __sync_lock_test_and_set(&b->tags[LB_CT4_WAY(c)], LB_CT4_TAG_EMPTY);
  if ((was & LB_CT4_TAG_LIVE) && (was & LB_CT4_TAG_DISPLACED)) {
    struct lb_ct4_bucket* home = lb_ct4_bucket_at(home_index);
    if (home) __sync_fetch_and_sub(&home->displaced, 1);
  }
  return only_new ? -17 : 0;
}

/* Inserts or replaces; with `only_new`, fails (-17, EEXIST) if `k` is there.
 * Returns 0, 1 when a live entry was evicted for it, or a negative error. */
static __always_inline int lb_ct4_update(const struct lb_ct_key* k, const struct lb_ct_entry* v,
                                         int only_new) {
  __u32 h = lb_ct4_hash_key(k);
  int c = lb_ct4_claim(h);
  if (c < 0) return -28; /* ENOSPC: every way changed under us */
  int rc = lb_ct4_publish(k, h, v, c, only_new);
  if (rc) return rc;
  return (c & LB_CT4_AT_EVICTED) ? 1 : 0;
}

#endif /* SLUICE_BPF_LB_CT4_TABLE_H_ */
