// ClusterIPs and node ports recorded in the store, so that several API
// servers on one etcd never hand out one twice. The allocator
// (service_allocator.h) picks values from the stored Services under a lock of
// one process; two processes can pick the same. So each value a Service holds
// also has a key of its own, /registry/sluice/allocations/clusterips/IP or
// .../nodeports/PORT, whose value names the Service, and the store below
// writes a Service in one transaction with creating the keys of the values it
// gains (create-only: the transaction fails if another Service has one) and
// deleting those of the values it gives up. Kubernetes keeps bitmaps in etcd
// under optimistic concurrency for the same end; a key per value makes two
// claims collide in the store itself.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/store/store.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

inline constexpr char kAllocationsPrefix[] = "/registry/sluice/allocations/";
inline constexpr char kServicesPrefix[] = "/registry/services/";

// The allocation keys a stored Service (its JSON) holds.
std::set<std::string> AllocationKeys(const nlohmann::json& service);

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
// /registry/services/) keep them; everything else passes through.
class AllocationRecordingStore : public store::Store {
 public:
  explicit AllocationRecordingStore(store::StorePtr inner) : inner_(std::move(inner)) {}

  absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::optional<store::KeyValue>> Get(absl::string_view key,
                                                     int64_t revision) override {
    return inner_->Get(key, revision);
  }
  absl::StatusOr<store::ListResult> List(const store::ListOptions& options) override {
    return inner_->List(options);
  }
  absl::StatusOr<store::WriteResult> Update(absl::string_view key, absl::string_view value,
                                            int64_t expected_mod_revision) override;
  absl::StatusOr<store::WriteResult> Delete(absl::string_view key,
                                            int64_t expected_mod_revision) override;
  absl::StatusOr<store::TxnResult> Txn(const std::vector<store::TxnOp>& ops) override {
    return inner_->Txn(ops);
  }
  absl::StatusOr<int64_t> CurrentRevision() override { return inner_->CurrentRevision(); }
  absl::Status Compact(int64_t revision) override { return inner_->Compact(revision); }
  absl::StatusOr<store::WatchStreamPtr> Watch(const store::WatchOptions& options) override {
    return inner_->Watch(options);
  }

 private:
  // Writes `op` (on a Service key) with the claims of what `value` holds that
  // `current` does not, and the releases of the reverse. Fails the way the
  // plain write would when op's own condition fails.
  absl::StatusOr<store::TxnResult> WriteService(const store::TxnOp& op,
                                                const std::optional<store::KeyValue>& current);

  store::StorePtr inner_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_ALLOCATION_STORE_H_
