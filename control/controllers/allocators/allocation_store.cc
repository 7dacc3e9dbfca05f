#include "control/controllers/allocators/allocation_store.h"

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

std::string ClusterIpKey(const IpAddress& ip) {
  return absl::StrCat(kAllocationsPrefix, "clusterips/", ip.ToString());
}

std::string NodePortKey(int64_t port) {
  return absl::StrCat(kAllocationsPrefix, "nodeports/", port);
}

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

std::set<std::string> AllocationKeys(const json& service) {
  std::set<std::string> keys;
  if (!service.is_object() || !service.contains("spec") || !service["spec"].is_object())
    return keys;
  const json& spec = service["spec"];
  if (NeedsClusterIp(spec))
    for (const std::string& text : ClusterIps(spec))
      if (auto ip = IpAddress::Parse(text); ip.ok()) keys.insert(ClusterIpKey(*ip));
  for (int64_t port : NodePortsOf(spec)) keys.insert(NodePortKey(port));
  return keys;
}

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
    if (txn.succeeded || !txn.results[0].succeeded) return txn;
    for (size_t i = 1; i < claims_end; ++i) {
      if (txn.results[i].succeeded || !txn.results[i].kv.has_value()) continue;
      const KeyValue& claimed = *txn.results[i].kv;
      // A key whose Service no longer holds it is stale (written by a
      // repair racing that Service's update): it goes, at the revision read.
      SLUICE_ASSIGN_OR_RETURN(std::optional<KeyValue> owner,
                              inner_->Get(claimed.value, store::kLatest));
      if (owner.has_value() && KeysOf(owner->value).contains(claimed.key))
        return AllocationConflictError(Describe(claimed.key), claimed.value);
      SLUICE_RETURN_IF_ERROR(inner_->Delete(claimed.key, claimed.mod_revision).status());
    }
  }
  return absl::AbortedError(
      absl::StrCat("writing ", op.key, ": its allocations kept changing; try again"));
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
