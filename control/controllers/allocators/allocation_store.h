// ClusterIPs and node ports recorded in the store, so that several API
// servers on one etcd never hand out one twice. The allocator
// (service_allocator.h) picks values from this server's record of them
// (allocation_table.h); two servers, or two writes of one server whose
// record is behind, can pick the same. So each value a Service holds
// also has a key of its own, /registry/sluice/allocations/clusterips/IP or
// .../nodeports/PORT, whose value names the Service, and the store below
// writes a Service in one transaction with creating the keys of the values it
// gains (create-only: the transaction fails if another Service has one) and
// deleting those of the values it gives up. Kubernetes keeps bitmaps in etcd
// under optimistic concurrency for the same end; a key per value makes two
// claims collide in the store itself.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "control/controllers/allocators/allocation_table.h"
#include "control/controllers/allocators/service_allocator.h"
#include "control/store/forwarding_store.h"
#include "control/store/store.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

// A write failed because another Service holds one of the values: the API
// server allocates again (a dynamic value) or answers 422 (a requested one).
absl::Status AllocationConflictError(absl::string_view what, absl::string_view owner);
bool IsAllocationConflict(const absl::Status& status);

// Makes the allocation keys agree with the stored Services: creates those
// missing (a store written before the keys existed) and deletes those no
// Service holds. Returns how many keys it changed. Safe while other servers
// write: it deletes a key only at the revision it read, and a key it creates
// for a Service that has just given the value up is found and removed by the
// next claim of that value.
absl::StatusOr<int> RepairAllocations(store::Store& store);

// The store with allocation keys: writes of Services (keys under
// /registry/services/) keep them; everything else passes through. It also
// keeps the server's AllocationTable: its own commits go in at once, and from
// the first allocation on a watch on the allocation keys brings the rest.
class AllocationRecordingStore : public store::ForwardingStore {
 public:
  explicit AllocationRecordingStore(store::StorePtr inner)
      : ForwardingStore(inner.get()), inner_(std::move(inner)) {}
  ~AllocationRecordingStore() override;

  // Allocates `service` (ServiceAllocator::Allocate; `stored` its stored
  // version on update) and reserves what it gains until the Reservation is
  // dropped, which the caller does after writing the Service. Values the
  // client asked for that the table has as another's are checked in the
  // store first, so that a record behind the store does not refuse them.
  absl::StatusOr<Allocation> Allocate(const ServiceAllocator& allocator, nlohmann::json& service,
                                      const nlohmann::json& stored, uint64_t start);

  absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<store::WriteResult> Update(absl::string_view key, absl::string_view value,
                                            int64_t expected_mod_revision) override;
  absl::StatusOr<store::WriteResult> Delete(absl::string_view key,
                                            int64_t expected_mod_revision) override;

 private:
  // Writes `op` (on a Service key) with the claims of what `value` holds that
  // `current` does not, and the releases of the reverse. Fails the way the
  // plain write would when op's own condition fails.
  absl::StatusOr<store::TxnResult> WriteService(const store::TxnOp& op,
                                                const std::optional<store::KeyValue>& current);
  // The table's record of `key` from the store: held, gone, or stale (its
  // Service no longer holds it, so that a claim of it removes it).
  absl::Status Recheck(const std::string& key);
  // Loads the table and opens the watch that follows it, once.
  absl::Status StartFollowing();
  // Lists the allocation keys into the table and opens a watch after them.
  absl::StatusOr<store::WatchStreamPtr> Load();
  void Follow(store::WatchStreamPtr watch);

  store::StorePtr inner_;
  AllocationTable table_;
  absl::Mutex follow_mu_;
  bool following_ ABSL_GUARDED_BY(follow_mu_) = false;
  std::atomic<bool> stopping_{false};
  std::thread follower_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_
