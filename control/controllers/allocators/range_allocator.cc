#include "control/controllers/allocators/range_allocator.h"

#include <algorithm>

namespace sluice::controllers {

RangeAllocator::RangeAllocator(uint64_t size, uint64_t static_band)
    : size_(size), static_band_(std::min(static_band, size)) {}

uint64_t RangeAllocator::DefaultStaticBand(uint64_t size) {
  uint64_t band = std::clamp<uint64_t>(size / 16, 16, 256);
  // A range smaller than two bands has no upper band worth keeping apart.
  return size < 2 * band ? 0 : band;
}

std::optional<uint64_t> RangeAllocator::FirstFree(uint64_t from, uint64_t to) const {
  // Walks the used set alongside the candidates: O(used) at worst.
  uint64_t candidate = from;
  for (auto it = used_.lower_bound(from); candidate < to; ++it, ++candidate) {
    if (it == used_.end() || *it != candidate) return candidate;
  }
  return std::nullopt;
}

std::optional<uint64_t> RangeAllocator::AllocateNext(uint64_t start) {
  uint64_t from = size_ > static_band_ ? static_band_ + start % (size_ - static_band_) : size_;
  std::optional<uint64_t> offset = FirstFree(from, size_);
  if (!offset) offset = FirstFree(static_band_, from);
  if (!offset) offset = FirstFree(0, static_band_);
  if (offset) used_.insert(*offset);
  return offset;
}

}  // namespace sluice::controllers
