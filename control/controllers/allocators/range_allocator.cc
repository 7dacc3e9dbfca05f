#include "control/controllers/allocators/range_allocator.h"

#include <algorithm>

namespace sluice::controllers {

RangeAllocator::RangeAllocator(uint64_t size, uint64_t static_band, const RangeAllocator* base)
    : size_(size), static_band_(std::min(static_band, size)), base_(base) {}

uint64_t RangeAllocator::DefaultStaticBand(uint64_t size) {
  uint64_t band = std::clamp<uint64_t>(size / 16, 16, 256);
  // A range smaller than two bands has no upper band worth keeping apart.
  return size < 2 * band ? 0 : band;
}

std::map<uint64_t, uint64_t>::const_iterator RangeAllocator::RunOf(uint64_t offset) const {
  auto it = runs_.upper_bound(offset);
  if (it == runs_.begin()) return runs_.end();
  --it;
  return it->second >= offset ? it : runs_.end();
}

bool RangeAllocator::IsUsed(uint64_t offset) const {
  return RunOf(offset) != runs_.end() || (base_ != nullptr && base_->IsUsed(offset));
}

void RangeAllocator::MarkUsed(uint64_t offset) {
  if (RunOf(offset) != runs_.end()) return;
  uint64_t first = offset, last = offset;
  auto next = runs_.find(offset + 1);
  if (next != runs_.end()) {
    last = next->second;
    runs_.erase(next);
  }
  auto previous = runs_.lower_bound(offset);
  if (previous != runs_.begin() && std::prev(previous)->second + 1 == offset) {
    std::prev(previous)->second = last;
    return;
  }
  runs_.emplace(first, last);
}

void RangeAllocator::Release(uint64_t offset) {
  auto run = RunOf(offset);
  if (run == runs_.end()) return;
  auto [first, last] = *run;
  runs_.erase(run);
  if (first < offset) runs_.emplace(first, offset - 1);
  if (offset < last) runs_.emplace(offset + 1, last);
}

uint64_t RangeAllocator::NextFree(uint64_t from) const {
  // Alternates between the two until both agree; an overlay holds a handful
  // of offsets, so this ends after a few steps.
  for (;;) {
    auto run = RunOf(from);
    uint64_t candidate = run == runs_.end() ? from : run->second + 1;
    if (base_ == nullptr) return candidate;
    uint64_t free = base_->NextFree(candidate);
    if (free == candidate) return candidate;
    from = free;
  }
}

std::optional<uint64_t> RangeAllocator::FirstFree(uint64_t from, uint64_t to) const {
  if (from >= to) return std::nullopt;
  uint64_t candidate = NextFree(from);
  if (candidate < to) return candidate;
  return std::nullopt;
}

std::optional<uint64_t> RangeAllocator::AllocateNext(uint64_t start) {
  uint64_t from = size_ > static_band_ ? static_band_ + start % (size_ - static_band_) : size_;
  std::optional<uint64_t> offset = FirstFree(from, size_);
  if (!offset) offset = FirstFree(static_band_, from);
  if (!offset) offset = FirstFree(0, static_band_);
  if (offset) MarkUsed(*offset);
  return offset;
}

}  // namespace sluice::controllers
