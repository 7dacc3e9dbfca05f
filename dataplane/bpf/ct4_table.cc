#include "dataplane/bpf/ct4_table.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/abi/lb_abi_check.h"

extern "C" {
#include "dataplane/core/lb_hash.h"
}

namespace sluice {
namespace {

constexpr size_t kBytes = sizeof(lb_ct4_bucket) * LB_CT4_BUCKETS;

uint32_t Load(const uint32_t& word) {
  return __atomic_load_n(&word, __ATOMIC_ACQUIRE);
}

bool Live(uint32_t tag) {
  return tag & LB_CT4_TAG_LIVE;
}

// A consistent copy of way `w` of `b`: its tag did not change while it was
// read (a program writes the key and entry, then the tag).
bool ReadWay(const lb_ct4_bucket& b, int w, uint32_t* tag, lb_ct4_slot* out) {
  *tag = Load(b.tags[w]);
  if (!Live(*tag)) return false;
  std::memcpy(out, &b.slots[w], sizeof(*out));
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  return Load(b.tags[w]) == *tag;
}

}  // namespace

absl::StatusOr<Ct4Table> Ct4Table::Map(int fd) {
  void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return absl::ErrnoToStatus(errno, absl::StrCat("mapping the IPv4 conntrack table"));
  return Ct4Table(static_cast<lb_ct4_bucket*>(p));
}

Ct4Table::~Ct4Table() {
  if (buckets_) munmap(buckets_, kBytes);
}

void Ct4Table::ForEach(const std::function<void(const lb_ct4_key&, const lb_ct_entry&)>& fn) const {
  for (uint32_t i = 0; i < LB_CT4_BUCKETS; ++i) {
    for (int w = 0; w < LB_CT4_WAYS; ++w) {
      uint32_t tag;
      lb_ct4_slot s;
      if (ReadWay(buckets_[i], w, &tag, &s)) fn(s.key, s.entry);
    }
  }
}

size_t Ct4Table::DeleteIf(const std::function<bool(const lb_ct4_key&, const lb_ct_entry&)>& match) {
  size_t n = 0;
  for (uint32_t i = 0; i < LB_CT4_BUCKETS; ++i) {
    lb_ct4_bucket& b = buckets_[i];
    for (int w = 0; w < LB_CT4_WAYS; ++w) {
      uint32_t tag;
      lb_ct4_slot s;
      if (!ReadWay(b, w, &tag, &s) || !match(s.key, s.entry)) continue;
      // Only the tag we judged goes: a way a program took meanwhile stays.
      uint32_t expected = tag;
      if (!__atomic_compare_exchange_n(&b.tags[w], &expected, LB_CT4_TAG_EMPTY, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        continue;
      if (tag & LB_CT4_TAG_DISPLACED)
        __atomic_fetch_sub(&buckets_[lb_ct4_primary(lb_ct4_hash(&s.key))].displaced, 1,
                           __ATOMIC_ACQ_REL);
      ++n;
    }
  }
  return n;
}

void Ct4Table::Clear() {
  std::memset(static_cast<void*>(buckets_), 0, kBytes);
}

}  // namespace sluice
