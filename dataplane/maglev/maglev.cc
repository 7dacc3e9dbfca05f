#include "dataplane/maglev/maglev.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// Two seeds make two independent hashes of one key (h1 and h2 of the paper).
// They spell "maglev-o" and "maglev-s" in ASCII: offset and skip.
constexpr uint64_t kOffsetSeed = 0x6d61676c65762d6full;
constexpr uint64_t kSkipSeed = 0x6d61676c65762d73ull;
constexpr uint64_t kGoldenRatio = 0x9e3779b97f4a7c15ull;

constexpr uint32_t kEmptySlot = std::numeric_limits<uint32_t>::max();

// A bijective 64-bit mixer (xor-shift / multiply rounds with MurmurHash3's
// finalizer constants): every input bit affects every output bit, so keys that
// differ in one character ("10.0.0.1:80" vs "10.0.0.2:80") get unrelated
// permutations.
uint64_t Avalanche(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// Assembles bytes little-endian one by one, so that the hash does not depend
// on the host's byte order or alignment rules.
uint64_t LoadLittleEndian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// One backend's walk through its permutation of the table, in the order of
// the paper's permutation[i][next[i]], computed on the fly instead of stored:
// an N x M permutation matrix would be 256 MiB for N=1000, M=65537.
struct Cursor {
  uint32_t slot;   // the next preferred slot to try
  uint32_t skip;   // step between preferred slots, in [1, M-1]
  uint32_t wrap;   // M - skip: slot + skip wraps around exactly when slot >= wrap
  uint32_t index;  // position in the caller's span
};

// The backends of one weight, a range of the cursors. They earn credit in step,
// so they take their turns in the same rounds.
struct WeightClass {
  uint32_t weight;
  uint32_t begin;
  uint32_t end;
  uint64_t credit;  // < max weight between rounds; 64-bit so that adding a weight cannot overflow
};

// slot + skip modulo M, without a division and without overflowing uint32_t
// even for M close to 2^32 (both operands are already below M).
inline uint32_t Advance(const Cursor& c, uint32_t slot) {
  return slot >= c.wrap ? slot - c.wrap : slot + c.skip;
}

absl::Status ValidateInput(std::span<const MaglevBackend> backends, uint32_t table_size) {
  if (table_size > kMaxMaglevTableSize) {
    return absl::InvalidArgumentError(absl::StrCat("maglev: table size ", table_size,
                                                   " exceeds the maximum ", kMaxMaglevTableSize));
  }
  // A prime M makes every skip in [1, M-1] coprime with M, so that each
  // backend's sequence of slots is a full permutation and the fill terminates.
  if (!IsPrime(table_size)) {
    return absl::InvalidArgumentError(
        absl::StrCat("maglev: table size ", table_size, " is not prime"));
  }
  if (backends.empty()) return absl::InvalidArgumentError("maglev: no backends");
  // With more backends than entries some would silently get no traffic.
  if (backends.size() > table_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("maglev: ", backends.size(), " backends do not fit a table of ", table_size));
  }
  for (const MaglevBackend& b : backends) {
    if (b.weight == 0) {
      return absl::InvalidArgumentError(absl::StrCat("maglev: backend ", b.key, ": weight is 0"));
    }
  }
  return absl::OkStatus();
}

// The backends' cursors, heaviest weight first and then in the order of their
// keys, not of the caller's span: the order decides who wins a contested slot,
// and the same set of backends must give the same table on every node whatever
// order the EndpointSlices listed them in.
absl::StatusOr<std::vector<Cursor>> OrderedCursors(std::span<const MaglevBackend> backends,
                                                   uint32_t m) {
  std::vector<uint32_t> order(backends.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return backends[a].key < backends[b].key; });
  for (size_t i = 1; i < order.size(); ++i) {
    // Equal keys would have equal permutations, and which of them wins a slot
    // would depend on the input order again.
    if (backends[order[i - 1]].key == backends[order[i]].key) {
      return absl::InvalidArgumentError(
          absl::StrCat("maglev: duplicate backend key ", backends[order[i]].key));
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return backends[a].weight > backends[b].weight; });
  std::vector<Cursor> cursors;
  cursors.reserve(order.size());
  for (uint32_t index : order) {
    const std::string& key = backends[index].key;
    const auto offset = static_cast<uint32_t>(MaglevKeyHash(key, kOffsetSeed) % m);
    // M == 2 gives M - 1 == 1 and skip 1, still a full permutation.
    const auto skip = static_cast<uint32_t>(MaglevKeyHash(key, kSkipSeed) % (m - 1) + 1);
    cursors.push_back(Cursor{offset, skip, m - skip, index});
  }
  return cursors;
}

// Runs of equal weight in cursors ordered heaviest first.
std::vector<WeightClass> WeightClasses(std::span<const MaglevBackend> backends,
                                       std::span<const Cursor> cursors) {
  std::vector<WeightClass> classes;
  for (uint32_t i = 0; i < cursors.size(); ++i) {
    const uint32_t weight = backends[cursors[i].index].weight;
    if (classes.empty() || classes.back().weight != weight) classes.push_back({weight, i, i, 0});
    classes.back().end = i + 1;
  }
  return classes;
}

// Weights by credit: every round each weight class earns its weight in credit
// and, whenever its credit reaches the largest weight, which then pays, each of
// its backends takes a turn (claims its next preferred free slot). Backends of
// the largest weight take a turn every round, those of weight w in w /
// max_weight of the rounds, so entries are proportional to weight within about
// one entry per backend (credit rounding and the last, partial round). Unlike
// "w turns per round" this keeps a round at most N turns long, so large weights
// cannot starve the backends that come late in the order; and a round costs
// the number of distinct weights plus its turns, so one heavy backend among
// many light ones (many rounds, few turns each) stays cheap. With equal weights
// it is exactly the paper's algorithm.
//
// Cost: O(M log M) slot probes. Measured on an AMD EPYC, roughly half the time
// goes to mispredicting the exit of the probe loop (about once per entry); a
// bitmap of taken slots, a branchless wrap, and probing in chunks or in two
// interleaved lanes were all at most 10% faster, so the plain loop stays.
std::vector<uint32_t> Fill(std::span<Cursor> cursors, std::span<WeightClass> classes, uint32_t m) {
  const uint32_t max_weight = classes.front().weight;
  std::vector<uint32_t> table(m, kEmptySlot);
  uint32_t filled = 0;
  for (;;) {
    for (WeightClass& wc : classes) {
      wc.credit += wc.weight;
      if (wc.credit < max_weight) continue;
      wc.credit -= max_weight;
      for (Cursor& c : cursors.subspan(wc.begin, wc.end - wc.begin)) {
        // Terminates: the table has a free slot (filled < M) and the cursor's
        // sequence visits every slot, because skip is coprime with prime M.
        uint32_t slot = c.slot;
        while (table[slot] != kEmptySlot) slot = Advance(c, slot);
        table[slot] = c.index;
        c.slot = Advance(c, slot);
        if (++filled == m) return table;
      }
    }
  }
}

}  // namespace

bool IsPrime(uint32_t n) {
  if (n < 2) return false;
  if (n < 4) return true;
  if (n % 2 == 0 || n % 3 == 0) return false;
  // Every prime above 3 is 6k +- 1; 64-bit d keeps d * d from overflowing.
  for (uint64_t d = 5; d * d <= n; d += 6) {
    if (n % d == 0 || n % (d + 2) == 0) return false;
  }
  return true;
}

uint64_t MaglevKeyHash(absl::string_view key, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  const size_t n = key.size();
  // Mixing the length in first tells "a" from "a\0" despite the zero-padded tail.
  uint64_t h = Avalanche(seed ^ (n * kGoldenRatio));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) h = Avalanche(h ^ LoadLittleEndian(p + i, 8));
  if (i < n) h = Avalanche(h ^ LoadLittleEndian(p + i, n - i));
  return h;
}

absl::StatusOr<std::vector<uint32_t>> BuildMaglevTable(std::span<const MaglevBackend> backends,
                                                       uint32_t table_size) {
  if (absl::Status s = ValidateInput(backends, table_size); !s.ok()) return s;
  absl::StatusOr<std::vector<Cursor>> cursors = OrderedCursors(backends, table_size);
  if (!cursors.ok()) return cursors.status();
  std::vector<WeightClass> classes = WeightClasses(backends, *cursors);
  return Fill(*cursors, classes, table_size);
}

}  // namespace sluice
