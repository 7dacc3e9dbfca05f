// The programs' IPv4 conntrack table (struct lb_ct4_bucket, bpf/lb_ct4_table.h)
// as user space reads and sweeps it: the array map mapped into memory, so
// that a deletion is one atomic swap of the tag it judged, never a write of a
// whole bucket over entries the programs are inserting meanwhile.
#ifndef SLUICE_DATAPLANE_BPF_CT4_TABLE_H_
#define SLUICE_DATAPLANE_BPF_CT4_TABLE_H_

#include <cstddef>
#include <functional>

#include "absl/status/statusor.h"
#include "dataplane/abi/lb_abi.h"

namespace sluice {

class Ct4Table {
 public:
  // Maps the table behind `fd` (lb_ct4_buckets); the fd stays the caller's.
  static absl::StatusOr<Ct4Table> Map(int fd);
  Ct4Table(Ct4Table&& other) noexcept : buckets_(other.buckets_) { other.buckets_ = nullptr; }
  Ct4Table(const Ct4Table&) = delete;
  Ct4Table& operator=(const Ct4Table&) = delete;
  ~Ct4Table();

  // Calls fn for every live entry (a copy read between two equal tags).
  void ForEach(const std::function<void(const lb_ct4_key&, const lb_ct_entry&)>& fn) const;
  // Deletes every entry for which `match` holds when judged right before its
  // deletion; returns how many went.
  size_t DeleteIf(const std::function<bool(const lb_ct4_key&, const lb_ct_entry&)>& match);
  // Empties the table (no program may be running on it).
  void Clear();
  // One bucket as it is in the map (index below LB_CT4_BUCKETS).
  lb_ct4_bucket& bucket(uint32_t i) { return buckets_[i]; }

 private:
  explicit Ct4Table(lb_ct4_bucket* buckets) : buckets_(buckets) {}
  lb_ct4_bucket* buckets_;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_BPF_CT4_TABLE_H_
