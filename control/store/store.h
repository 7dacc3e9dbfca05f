// The control plane's revisioned key-value store: etcd v3's data model, which
// the API server builds Kubernetes' resourceVersion, optimistic concurrency,
// pagination and watch on. Two backends implement it (SQLite, the default, and
// etcd); one conformance suite (store_conformance_test.h) runs against both.
//
// The model, as in etcd:
// - Every successful write gets the next store revision; the revision of the
//   store is that of its last write. A new store is at revision 1 and has no keys.
// - A key's mod_revision is the revision of its last write, create_revision that
//   of the write that created it (again after a delete), version the number of
//   writes since then (1 for a new key).
// - Reads can be made at a past revision, until compaction removes it.
// - A failed compare-and-set is a normal result (`succeeded == false`), not an
//   error: the caller retries with the current value it gets back.
#ifndef SLUICE_CONTROL_STORE_STORE_H_
#define SLUICE_CONTROL_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sluice::store {

// Read arguments: 0 reads at the current revision.
inline constexpr int64_t kLatest = 0;
// Delete's expected_mod_revision: 0 deletes whatever the current value is.
inline constexpr int64_t kUnconditional = 0;

// Keys and values are arbitrary bytes; keys are ordered bytewise and must not be
// empty.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

struct ListOptions {
  std::string prefix;       // keys that start with it; "" lists every key
  std::string start_after;  // pagination: only keys greater than this one
  int64_t limit = 0;        // at most this many keys; 0 for no limit
  int64_t revision = kLatest;
};

struct ListResult {
  std::vector<KeyValue> kvs;  // ordered by key
  int64_t revision = 0;       // the revision the list was read at
  bool more = false;          // `limit` cut the list short
};

// The outcome of a conditional write (Update, Delete).
struct WriteResult {
  bool succeeded = false;
  // Succeeded: the new value (Update) or the value just deleted (Delete).
  // Failed: the current value, or nullopt when the key does not exist.
  std::optional<KeyValue> kv;
  // Succeeded: the write's revision. Failed: the revision the comparison saw.
  int64_t revision = 0;
};

// One write of a transaction (Store::Txn), with the condition it needs.
struct TxnOp {
  enum class Kind {
    kCreate,  // the key must not exist
    kUpdate,  // its mod_revision must be `expected_mod_revision` (> 0)
    kDelete,  // it must exist and, unless kUnconditional, have that mod_revision
  };
  Kind kind = Kind::kCreate;
  std::string key;
  std::string value;  // kCreate, kUpdate
  int64_t expected_mod_revision = 0;
};

// The outcome of a transaction: all its writes or none.
struct TxnResult {
  bool succeeded = false;
  // One per op, in order. Succeeded: as Update's and Delete's results (a
  // Create's kv is the new value). Failed: each op's `succeeded` says whether
  // its own condition held, and `kv` is the key's current value.
  std::vector<WriteResult> results;
  // Succeeded: the revision of its last write. Failed: the revision compared.
  int64_t revision = 0;
};

enum class EventType { kPut, kDelete };

// One change. For a kDelete, `kv` holds only the key and the deletion's
// mod_revision (as etcd's delete events do). `prev_kv` is the value before the
// change, if the key had one.
struct Event {
  EventType type = EventType::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;

  friend bool operator==(const Event&, const Event&) = default;
};

struct WatchResponse {
  std::vector<Event> events;  // in revision order
  // Every change up to this revision has now been delivered: an empty response
  // with a higher revision is progress (the API server's bookmarks).
  int64_t revision = 0;
};

// A stream of the changes to the keys under one prefix. Destroying it stops it.
// Next() is called from one thread at a time.
class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Waits up to `timeout` for changes after those already returned. Returns
  // each change exactly once, in revision order. Fails with a Compacted error
  // (IsCompacted) when the watch fell so far behind that the changes it still
  // needs were compacted, and with Cancelled when the store closed; once it
  // has failed, it keeps failing.
  virtual absl::StatusOr<WatchResponse> Next(absl::Duration timeout) = 0;
};
using WatchStreamPtr = std::unique_ptr<WatchStream>;

struct WatchOptions {
  std::string prefix;  // "" watches every key
  // Deliver the changes with a revision greater than this one, including those
  // made before the watch was opened. 0: from the current revision on.
  int64_t after_revision = 0;
  // Optional. Called when Next() may have something new to return, so that an
  // event loop needs no thread per watch. It runs on a store thread, possibly
  // with store locks held: it must be quick and must not call into the store
  // or the stream (post a task instead). Never called after the stream is
  // destroyed.
  std::function<void()> on_ready;
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates `key`. Fails with AlreadyExists when it exists. Returns the write's
  // revision.
  virtual absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) = 0;

  // The value of `key` at `revision` (kLatest: now), or nullopt when it did not
  // exist then.
  virtual absl::StatusOr<std::optional<KeyValue>> Get(absl::string_view key, int64_t revision) = 0;

  virtual absl::StatusOr<ListResult> List(const ListOptions& options) = 0;

  // Sets `key` to `value` if its mod_revision is `expected_mod_revision` (> 0).
  virtual absl::StatusOr<WriteResult> Update(absl::string_view key, absl::string_view value,
                                             int64_t expected_mod_revision) = 0;

  // Deletes `key` if it exists and, unless `expected_mod_revision` is
  // kUnconditional, its mod_revision is that.
  virtual absl::StatusOr<WriteResult> Delete(absl::string_view key,
                                             int64_t expected_mod_revision) = 0;

  // Applies every op if every op's condition holds, else none: what
  // kube-apiserver's allocators and leases need from etcd's Txn. Two ops on
  // one key are InvalidArgument. etcd gives all its writes one revision;
  // SQLite one each, in order (no reader sees part of it either way).
  virtual absl::StatusOr<TxnResult> Txn(const std::vector<TxnOp>& ops) = 0;

  virtual absl::StatusOr<int64_t> CurrentRevision() = 0;

  // Forgets the history up to `revision`: reads at an older revision, and
  // watches needing changes at or before it, then fail with a Compacted error.
  // The values current at `revision` stay. Compacting to the compacted
  // revision or below fails with a Compacted error too; past the current
  // revision with OutOfRange.
  virtual absl::Status Compact(int64_t revision) = 0;

  virtual absl::StatusOr<WatchStreamPtr> Watch(const WatchOptions& options) = 0;
};
using StorePtr = std::unique_ptr<Store>;

// A read at, or a watch after, a revision that compaction removed. The API
// server answers it with 410 Gone. The error carries the compacted revision.
absl::Status CompactedError(int64_t requested_revision, int64_t compacted_revision);
bool IsCompacted(const absl::Status& status);
// The compacted revision an IsCompacted error carries; 0 for other errors.
int64_t CompactedRevision(const absl::Status& status);

// A read at a revision the store has not reached yet (etcd: ErrFutureRev).
absl::Status FutureRevisionError(int64_t requested_revision, int64_t current_revision);

// The smallest key greater than every key that starts with `prefix`, or "" when
// there is none (an empty prefix, or one of 0xff bytes only): the end of the
// range a prefix selects, as etcd's clientv3.GetPrefixRangeEnd.
std::string PrefixEnd(absl::string_view prefix);

// Checks a key argument: not empty.
absl::Status ValidateKey(absl::string_view key);

// Checks Txn's ops: valid keys and revisions, no key twice.
absl::Status ValidateTxn(const std::vector<TxnOp>& ops);

// Whether `current` (nullopt: no such key) meets `op`'s condition.
bool TxnConditionHolds(const TxnOp& op, const std::optional<KeyValue>& current);

absl::string_view EventTypeName(EventType type);

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_STORE_H_
