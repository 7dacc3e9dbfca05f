#include "control/store/store.h"

#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::store {
namespace {

// The payload that tells a Compacted error from other OutOfRange errors (a
// future revision is OutOfRange too, as both are in etcd's gRPC API).
constexpr char kCompactedPayload[] = "type.sluice.dev/store.Compacted";

}  // namespace

absl::Status CompactedError(int64_t requested_revision, int64_t compacted_revision) {
  absl::Status status = absl::OutOfRangeError(
      absl::StrCat("revision ", requested_revision, " has been compacted (compacted revision ",
                   compacted_revision, ")"));
  status.SetPayload(kCompactedPayload, absl::Cord(absl::StrCat(compacted_revision)));
  return status;
}

bool IsCompacted(const absl::Status& status) {
  return status.GetPayload(kCompactedPayload).has_value();
}

int64_t CompactedRevision(const absl::Status& status) {
  auto payload = status.GetPayload(kCompactedPayload);  // absl::optional in Debian's Abseil
  int64_t revision = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &revision)) return 0;
  return revision;
}

absl::Status FutureRevisionError(int64_t requested_revision, int64_t current_revision) {
  return absl::OutOfRangeError(absl::StrCat("revision ", requested_revision,
                                            " is in the future (current revision ",
                                            current_revision, ")"));
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

absl::Status ValidateKey(absl::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("key must not be empty");
  return absl::OkStatus();
}

absl::Status ValidateTxn(const std::vector<TxnOp>& ops) {
  if (ops.empty()) return absl::InvalidArgumentError("a transaction needs at least one op");
  std::set<absl::string_view> keys;
  for (const TxnOp& op : ops) {
    if (absl::Status status = ValidateKey(op.key); !status.ok()) return status;
    if (!keys.insert(op.key).second)
      return absl::InvalidArgumentError(
          absl::StrCat("transaction: key \"", op.key, "\" appears twice"));
    if (op.kind == TxnOp::Kind::kUpdate && op.expected_mod_revision <= 0)
      return absl::InvalidArgumentError("update needs the expected mod revision (> 0)");
    if (op.expected_mod_revision < 0)
      return absl::InvalidArgumentError("expected mod revision must not be negative");
  }
  return absl::OkStatus();
}

bool TxnConditionHolds(const TxnOp& op, const std::optional<KeyValue>& current) {
  switch (op.kind) {
    case TxnOp::Kind::kCreate:
      return !current.has_value();
    case TxnOp::Kind::kUpdate:
      return current.has_value() && current->mod_revision == op.expected_mod_revision;
    case TxnOp::Kind::kDelete:
      return current.has_value() && (op.expected_mod_revision == kUnconditional ||
                                     current->mod_revision == op.expected_mod_revision);
  }
  return false;
}

absl::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kPut:
      return "PUT";
    case EventType::kDelete:
      return "DELETE";
  }
  return "UNKNOWN";
}

}  // namespace sluice::store
