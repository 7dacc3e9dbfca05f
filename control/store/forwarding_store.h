// A Store that passes every call to another it does not own: the base of a
// store that changes a few calls (the API server's AllocationRecordingStore),
// and a second handle on one store (tests that play two servers).
#ifndef SLUICE_CONTROL_STORE_FORWARDING_STORE_H_
#define SLUICE_CONTROL_STORE_FORWARDING_STORE_H_

#include <optional>
#include <vector>

#include "control/store/store.h"

namespace sluice::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store* target) : target_(target) {}

  absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) override {
    return target_->Create(key, value);
  }
  absl::StatusOr<std::optional<KeyValue>> Get(absl::string_view key, int64_t revision) override {
    return target_->Get(key, revision);
  }
  absl::StatusOr<ListResult> List(const ListOptions& options) override {
    return target_->List(options);
  }
  absl::StatusOr<WriteResult> Update(absl::string_view key, absl::string_view value,
                                     int64_t expected_mod_revision) override {
    return target_->Update(key, value, expected_mod_revision);
  }
  absl::StatusOr<WriteResult> Delete(absl::string_view key,
                                     int64_t expected_mod_revision) override {
    return target_->Delete(key, expected_mod_revision);
  }
  absl::StatusOr<TxnResult> Txn(const std::vector<TxnOp>& ops) override {
    return target_->Txn(ops);
  }
  absl::StatusOr<int64_t> CurrentRevision() override { return target_->CurrentRevision(); }
  absl::Status Compact(int64_t revision) override { return target_->Compact(revision); }
  absl::StatusOr<WatchStreamPtr> Watch(const WatchOptions& options) override {
    return target_->Watch(options);
  }

 protected:
  Store* target() { return target_; }

 private:
  Store* target_;
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_FORWARDING_STORE_H_
