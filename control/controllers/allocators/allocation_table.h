// A server's record of the ClusterIPs and node ports in use, so that a
// Service's allocation costs O(log n) and no read of the store: the
// allocation keys (allocation_store.h) as last seen, with the values that
// writes in flight have reserved. kube-apiserver keeps in-memory bitmaps for
// the same end.
//
// The store stays the judge. The record follows it (the recording store
// applies its own commits at once and a watch brings everyone else's), so it
// can be behind: a value another server has just claimed looks free (its
// claim makes our write fail, and the conflict marks it used), one just
// released looks used (a dynamic pick skips it; a requested one is checked in
// the store before a 422). A value is reserved under a short lock and the
// lock is released before the write, so concurrent creates share a commit;
// dropping the Reservation after the write leaves what the write recorded
// and frees the rest.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_TABLE_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_TABLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "control/controllers/allocators/range_allocator.h"
#include "control/controllers/allocators/service_allocator.h"
#include "control/store/store.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

inline constexpr char kAllocationsPrefix[] = "/registry/sluice/allocations/";
inline constexpr char kServicesPrefix[] = "/registry/services/";

// The allocation keys a stored Service (its JSON) holds:
// /registry/sluice/allocations/clusterips/IP (canonical form) and
// .../nodeports/PORT (node ports and healthCheckNodePorts share one space).
std::set<std::string> AllocationKeys(const nlohmann::json& service);

class AllocationTable;

// The allocation keys a write in flight has reserved; released when dropped.
class Reservation {
 public:
  Reservation() = default;
  Reservation(AllocationTable* table, std::vector<std::string> keys)
      : table_(table), keys_(std::move(keys)) {}
  Reservation(Reservation&& other) noexcept { *this = std::move(other); }
  Reservation& operator=(Reservation&& other) noexcept;
  ~Reservation();

  const std::vector<std::string>& keys() const { return keys_; }

 private:
  AllocationTable* table_ = nullptr;
  std::vector<std::string> keys_;
};

// Allocate's outcome: field errors (nothing reserved), or the reservation.
struct Allocation {
  std::vector<FieldError> errors;
  Reservation reservation;
};

class AllocationTable {
 public:
  // A committed change of one allocation key at `revision`: held by `owner`
  // (a Service's key), or gone (nullopt). A change older than what the
  // record has for the key is ignored, so the watch and the server's own
  // commits may bring the same changes in any order. `from_watch`: the watch
  // has delivered everything up to `revision`, so what is gone is forgotten.
  void Apply(const std::string& key, std::optional<std::string> owner, int64_t revision,
             bool from_watch = false);
  // Every allocation key as listed at `revision` (a start, or a watch that
  // fell behind compaction): keys absent from `kvs` are gone unless changed
  // after `revision`.
  void Reset(const std::vector<store::KeyValue>& kvs, int64_t revision);

  // Allocates `service` (see ServiceAllocator::Allocate) against everything
  // recorded or reserved, and reserves what it gains over `stored`.
  Allocation Allocate(const ServiceAllocator& allocator, nlohmann::json& service,
                      const nlohmann::json& stored, uint64_t start);

  // The Service that holds `key` as recorded, if any.
  std::optional<std::string> Owner(const std::string& key);

 private:
  friend class Reservation;
  struct Entry {
    std::optional<std::string> owner;  // nullopt: gone, kept for its revision
    int64_t revision = 0;
  };

  void Release(const std::vector<std::string>& keys);
  bool IsUsedLocked(const std::string& key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings the allocators in step with `key` after a change that may have
  // made it used or free (`was_used`).
  void Changed(const std::string& key, bool was_used) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Mark(const std::string& key, bool used) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The allocators over `allocator`'s ranges, made from the record on first use.
  InUse View(const ServiceAllocator& allocator) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> reserved_ ABSL_GUARDED_BY(mu_);
  // By range, as configured ("10.96.0.0/16"): a server's Service type may
  // be given other ranges while it runs.
  std::map<std::string, std::pair<IpRange, RangeAllocator>> cluster_ips_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int, int>, RangeAllocator> node_ports_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_TABLE_H_
