#include "control/controllers/allocators/allocation_store.h"

#include <chrono>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "control/controllers/allocators/service_json.h"
#include "control/status_macros.h"
#include "dataplane/ip_address.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using store::KeyValue;
using store::TxnOp;
using store::TxnResult;
using store::WriteResult;

constexpr char kConflictPayload[] = "type.sluice.dev/allocations.Conflict";
// Each retry follows a write by another server (or the removal of a stale
// key); more than a few in a row means something keeps undoing ours.
constexpr int kAttempts = 8;

// "clusterIP 10.96.0.10" for a key, as the conflict's message says it.
std::string Describe(absl::string_view key) {
  absl::string_view rest = key.substr(sizeof(kAllocationsPrefix) - 1);
  if (absl::ConsumePrefix(&rest, "clusterips/")) return absl::StrCat("clusterIP ", rest);
  if (absl::ConsumePrefix(&rest, "nodeports/")) return absl::StrCat("nodePort ", rest);
  return std::string(key);
}

bool IsServiceKey(absl::string_view key) {
  return absl::StartsWith(key, kServicesPrefix);
}

std::set<std::string> KeysOf(absl::string_view value) {
  return AllocationKeys(json::parse(value, nullptr, false));
}

}  // namespace

absl::Status AllocationConflictError(absl::string_view what, absl::string_view owner) {
  absl::Status status = absl::AbortedError(absl::StrCat(
      what, " is already allocated (to ", owner.substr(sizeof(kServicesPrefix) - 1), ")"));
  status.SetPayload(kConflictPayload, absl::Cord(what));
  return status;
}

bool IsAllocationConflict(const absl::Status& status) {
  return status.GetPayload(kConflictPayload).has_value();
}

absl::StatusOr<int> RepairAllocations(store::Store& store) {
  SLUICE_ASSIGN_OR_RETURN(int64_t revision, store.CurrentRevision());
  // Both lists at one revision: a Service and its keys are written together.
  SLUICE_ASSIGN_OR_RETURN(store::ListResult services,
                          store.List({.prefix = kServicesPrefix, .revision = revision}));
  SLUICE_ASSIGN_OR_RETURN(store::ListResult recorded,
                          store.List({.prefix = kAllocationsPrefix, .revision = revision}));
  std::map<std::string, std::string> wanted;  // key -> the Service that holds it
  for (const KeyValue& service : services.kvs)
    for (const std::string& key : KeysOf(service.value)) wanted.emplace(key, service.key);
  int changed = 0;
  for (const KeyValue& kv : recorded.kvs) {
    auto it = wanted.find(kv.key);
    if (it != wanted.end() && it->second == kv.value) {
      wanted.erase(it);
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(WriteResult deleted, store.Delete(kv.key, kv.mod_revision));
    changed += deleted.succeeded ? 1 : 0;
  }
  for (const auto& [key, owner] : wanted) {
    absl::StatusOr<int64_t> created = store.Create(key, owner);
    if (created.ok()) ++changed;
    // Claimed meanwhile by a Service written with its keys.
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists)
      return created.status();
  }
  return changed;
}

absl::StatusOr<TxnResult> AllocationRecordingStore::WriteService(
    const TxnOp& op, const std::optional<KeyValue>& current) {
  std::set<std::string> held;
  if (op.kind != TxnOp::Kind::kDelete) held = KeysOf(op.value);
  std::set<std::string> had;
  if (current.has_value()) had = KeysOf(current->value);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::vector<TxnOp> ops = {op};
    for (const std::string& key : held)
      if (!had.contains(key))
        ops.push_back({.kind = TxnOp::Kind::kCreate, .key = key, .value = op.key});
    const size_t claims_end = ops.size();
    for (const std::string& key : had) {
      if (held.contains(key)) continue;
      // Only a key of this Service goes, and only as read: a key missing (a
      // store from before the keys) or another's is left alone.
      SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, inner_->Get(key, store::kLatest));
      if (kv.has_value() && kv->value == op.key)
        ops.push_back(
            {.kind = TxnOp::Kind::kDelete, .key = key, .expected_mod_revision = kv->mod_revision});
    }
    if (ops.size() == 1) return inner_->Txn(ops);
    SLUICE_ASSIGN_OR_RETURN(TxnResult txn, inner_->Txn(ops));
    if (txn.succeeded) {
      // The table learns of this server's own writes at once.
      for (size_t i = 1; i < ops.size(); ++i)
        table_.Apply(ops[i].key, i < claims_end ? std::optional(op.key) : std::nullopt,
                     txn.results[i].revision);
      return txn;
    }
    if (!txn.results[0].succeeded) return txn;
    for (size_t i = 1; i < claims_end; ++i) {
      if (txn.results[i].succeeded || !txn.results[i].kv.has_value()) continue;
      const KeyValue& claimed = *txn.results[i].kv;
      // A key whose Service no longer holds it is stale (written by a
      // repair racing that Service's update): it goes, at the revision read.
      SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> owner,
                              inner_->Get(claimed.value, store::kLatest));
      if (owner.has_value() && KeysOf(owner->value).contains(claimed.key)) {
        table_.Apply(claimed.key, claimed.value, claimed.mod_revision);
        return AllocationConflictError(Describe(claimed.key), claimed.value);
      }
      SLUICE_ASSIGN_OR_RETURN(WriteResult removed,
                              inner_->Delete(claimed.key, claimed.mod_revision));
      if (removed.succeeded) table_.Apply(claimed.key, std::nullopt, removed.revision);
    }
  }
  return absl::AbortedError(
      absl::StrCat("writing ", op.key, ": its allocations kept changing; try again"));
}

AllocationRecordingStore::~AllocationRecordingStore() {
  stopping_ = true;
  if (follower_.joinable()) follower_.join();
}

absl::StatusOr<Allocation> AllocationRecordingStore::Allocate(const ServiceAllocator& allocator,
                                                              json& service, const json& stored,
                                                              uint64_t start) {
  SLUICE_RETURN_IF_ERROR(StartFollowing());
  std::set<std::string> kept = AllocationKeys(stored);
  // What the client asked for (the keys of the values given so far).
  for (const std::string& key : AllocationKeys(service))
    if (!kept.contains(key) && table_.Owner(key).has_value()) SLUICE_RETURN_IF_ERROR(Recheck(key));
  return table_.Allocate(allocator, service, stored, start);
}

absl::Status AllocationRecordingStore::Recheck(const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(int64_t revision, inner_->CurrentRevision());
  SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, inner_->Get(key, store::kLatest));
  if (!kv.has_value()) {
    table_.Apply(key, std::nullopt, revision);
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> owner, inner_->Get(kv->value, store::kLatest));
  bool holds = owner.has_value() && KeysOf(owner->value).contains(key);
  table_.Apply(key, holds ? std::optional(kv->value) : std::nullopt, kv->mod_revision);
  return absl::OkStatus();
}

absl::StatusOr<store::WatchStreamPtr> AllocationRecordingStore::Load() {
  SLUICE_ASSIGN_OR_RETURN(store::ListResult list, inner_->List({.prefix = kAllocationsPrefix}));
  table_.Reset(list.kvs, list.revision);
  return inner_->Watch({.prefix = kAllocationsPrefix, .after_revision = list.revision});
}

absl::Status AllocationRecordingStore::StartFollowing() {
  absl::MutexLock lock(&follow_mu_);
  if (following_) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(store::WatchStreamPtr watch, Load());
  following_ = true;
  follower_ = std::thread([this, watch = std::move(watch)]() mutable { Follow(std::move(watch)); });
  return absl::OkStatus();
}

void AllocationRecordingStore::Follow(store::WatchStreamPtr watch) {
  while (!stopping_) {
    if (watch == nullptr) {
      // The watch fell behind compaction or failed: read everything again.
      absl::StatusOr<store::WatchStreamPtr> loaded = Load();
      if (loaded.ok()) {
        watch = *std::move(loaded);
      } else if (absl::IsCancelled(loaded.status())) {
        return;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      continue;
    }
    absl::StatusOr<store::WatchResponse> next = watch->Next(absl::Milliseconds(100));
    if (!next.ok()) {
      if (absl::IsCancelled(next.status())) return;
      watch.reset();
      continue;
    }
    for (const store::Event& event : next->events)
      table_.Apply(
          event.kv.key,
          event.type == store::EventType::kPut ? std::optional(event.kv.value) : std::nullopt,
          event.kv.mod_revision, /*from_watch=*/true);
  }
}

absl::StatusOr<int64_t> AllocationRecordingStore::Create(absl::string_view key,
                                                         absl::string_view value) {
  if (!IsServiceKey(key)) return inner_->Create(key, value);
  SLUICE_RETURN_IF_ERROR(store::ValidateKey(key));
  SLUICE_ASSIGN_OR_RETURN(TxnResult txn, WriteService({.kind = TxnOp::Kind::kCreate,
                                                       .key = std::string(key),
                                                       .value = std::string(value)},
                                                      std::nullopt));
  if (!txn.succeeded) return absl::AlreadyExistsError(absl::StrCat("key \"", key, "\" exists"));
  return txn.results[0].kv->mod_revision;
}

absl::StatusOr<WriteResult> AllocationRecordingStore::Update(absl::string_view key,
                                                             absl::string_view value,
                                                             int64_t expected_mod_revision) {
  if (!IsServiceKey(key) || expected_mod_revision <= 0)
    return inner_->Update(key, value, expected_mod_revision);
  SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> current, inner_->Get(key, store::kLatest));
  SLUICE_ASSIGN_OR_RETURN(TxnResult txn,
                          WriteService({.kind = TxnOp::Kind::kUpdate,
                                        .key = std::string(key),
                                        .value = std::string(value),
                                        .expected_mod_revision = expected_mod_revision},
                                       current));
  return WriteResult{.succeeded = txn.succeeded, .kv = txn.results[0].kv, .revision = txn.revision};
}

absl::StatusOr<WriteResult> AllocationRecordingStore::Delete(absl::string_view key,
                                                             int64_t expected_mod_revision) {
  if (!IsServiceKey(key) || expected_mod_revision < 0)
    return inner_->Delete(key, expected_mod_revision);
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> current, inner_->Get(key, store::kLatest));
    if (!current.has_value()) return inner_->Delete(key, expected_mod_revision);
    int64_t expected = expected_mod_revision != store::kUnconditional ? expected_mod_revision
                                                                      : current->mod_revision;
    SLUICE_ASSIGN_OR_RETURN(TxnResult txn, WriteService({.kind = TxnOp::Kind::kDelete,
                                                         .key = std::string(key),
                                                         .expected_mod_revision = expected},
                                                        current));
    // Unconditional: again after a write that came between the read and the delete.
    if (!txn.succeeded && expected_mod_revision == store::kUnconditional) continue;
    return WriteResult{
        .succeeded = txn.succeeded, .kv = txn.results[0].kv, .revision = txn.revision};
  }
}

}  // namespace sluice::controllers
