// Picks free offsets in [0, size): the one allocator behind ClusterIPs and
// NodePorts. What is used is kept as disjoint runs of offsets, so that a
// range filled from its start (as dynamic picks fill it) costs a few runs and
// every operation is O(log runs).
//
// An allocator may sit on a `base` it does not change: an offset is used when
// either has it. A server's record of what every Service holds is the base
// (allocation_table.h); one Service's allocation works on a small overlay of
// its own and leaves the base alone until it is reserved.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_

#include <cstdint>
#include <map>
#include <optional>

namespace sluice::controllers {

class RangeAllocator {
 public:
  // Dynamic picks start at the upper band of the range and fall back to its
  // lower `static_band` offsets, which are left for clients that ask for a
  // specific value (Kubernetes' KEP-3070 does this for ClusterIPs and NodePorts).
  RangeAllocator(uint64_t size, uint64_t static_band, const RangeAllocator* base = nullptr);

  // Kubernetes' band size: size/16, at least 16 and at most 256 (for small
  // ranges, at most the whole range).
  static uint64_t DefaultStaticBand(uint64_t size);

  uint64_t size() const { return size_; }
  // Used here or in the base.
  bool IsUsed(uint64_t offset) const;
  void MarkUsed(uint64_t offset);
  // Frees an offset of this allocator's own (not of its base).
  void Release(uint64_t offset);
  // The lowest free offset of the upper band at or after `start` (taken
  // modulo the band, wrapping around), else of the lower band; marks it used.
  // Nullopt when the range is full. Servers that picked the same value and
  // lost it to another pick again from a random start, as Kubernetes'
  // allocators always do, so that they do not collide again.
  std::optional<uint64_t> AllocateNext(uint64_t start = 0);

 private:
  // The run of this allocator's own used offsets that holds `offset`, or end().
  std::map<uint64_t, uint64_t>::const_iterator RunOf(uint64_t offset) const;
  // The first offset at or after `from` that is used neither here nor in the
  // base (it may be past the end of the range).
  uint64_t NextFree(uint64_t from) const;
  std::optional<uint64_t> FirstFree(uint64_t from, uint64_t to) const;

  uint64_t size_;
  uint64_t static_band_;
  const RangeAllocator* base_;
  std::map<uint64_t, uint64_t> runs_;  // first -> last offset of each run, neither adjacent
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_RANGE_ALLOCATOR_H_
