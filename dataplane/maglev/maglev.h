// Maglev consistent-hashing lookup tables (Eisenbud et al., "Maglev: A Fast and
// Reliable Software Network Load Balancer", NSDI 2016, section 3.4).
//
// The agent builds one table per service and scope in user space; the packet
// core only indexes it with a flow hash modulo the table size. Tables must be
// identical on every node for the same backends, so that a flow that moves
// between nodes (ECMP to another LoadBalancer node) still lands on the same
// backend. Hence the fixed hash functions and the order-independent input.
#ifndef SLUICE_DATAPLANE_MAGLEV_MAGLEV_H_
#define SLUICE_DATAPLANE_MAGLEV_MAGLEV_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice {

struct MaglevBackend {
  std::string key;      // stable identity, e.g. "10.0.0.1:8080"; the permutation derives from it
  uint32_t weight = 1;  // >= 1; a backend gets table entries in proportion to its weight
};

// Bounds the memory a (possibly user-supplied) table size can ask for: 4 bytes
// per entry, so at most 64 MiB. Real tables are 16381 to 131071 entries.
inline constexpr uint32_t kMaxMaglevTableSize = 1u << 24;

bool IsPrime(uint32_t n);

// The 64-bit hash of a backend key that the permutation derives from. Fixed
// forever (changing it reshuffles every table in a mixed-version cluster), and
// independent of the machine's byte order; exposed for tests and tools.
uint64_t MaglevKeyHash(absl::string_view key, uint64_t seed);

// Builds a Maglev lookup table of `table_size` entries. Each entry is an index
// into `backends`. The table depends only on the set of (key, weight) pairs,
// not on their order in `backends`.
//
// Errors (InvalidArgument): `table_size` not prime or above kMaxMaglevTableSize,
// `backends` empty or larger than `table_size`, a weight of 0, a duplicate key.
absl::StatusOr<std::vector<uint32_t>> BuildMaglevTable(std::span<const MaglevBackend> backends,
                                                       uint32_t table_size);

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_MAGLEV_MAGLEV_H_
