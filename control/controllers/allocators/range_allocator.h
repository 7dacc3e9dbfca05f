// Picks free offsets in [0, size): the one allocator behind ClusterIPs,
// NodePorts and LoadBalancer pool addresses. It holds no state of its own
// beyond one decision: the caller marks what is in use (read from the stored
// objects) and asks for the next free offset.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_

#include <cstdint>
#include <optional>
#include <set>

namespace sluice::controllers {

class RangeAllocator {
 public:
  // Dynamic picks start at the upper band of the range and fall back to its
  // lower `static_band` offsets, which are left for clients that ask for a
  // specific value (Kubernetes' KEP-3070 does this for ClusterIPs and NodePorts).
  RangeAllocator(uint64_t size, uint64_t static_band);

  // Kubernetes' band size: size/16, at least 16 and at most 256 (for small
  // ranges, at most the whole range).
  static uint64_t DefaultStaticBand(uint64_t size);

  uint64_t size() const { return size_; }
  bool IsUsed(uint64_t offset) const { return used_.contains(offset); }
  void MarkUsed(uint64_t offset) { used_.insert(offset); }
  // The lowest free offset of the upper band at or after `start` (taken
  // modulo the band, wrapping around), else of the lower band; marks it used.
  // Nullopt when the range is full. Servers that picked the same value and
  // lost it to another pick again from a random start, as Kubernetes'
  // allocators always do, so that they do not collide again.
  std::optional<uint64_t> AllocateNext(uint64_t start = 0);

 private:
  std::optional<uint64_t> FirstFree(uint64_t from, uint64_t to) const;

  uint64_t size_;
  uint64_t static_band_;
  std::set<uint64_t> used_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_
