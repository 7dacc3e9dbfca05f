// Writes of the SQLite backend, applied one by one inside a transaction that
// the committer (sqlite_committer.h) opens and commits for a whole batch.
#ifndef SLUICE_CONTROL_STORE_SQLITE_WRITER_H_
#define SLUICE_CONTROL_STORE_SQLITE_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/store/sqlite_db.h"
#include "control/store/sqlite_schema.h"
#include "control/store/store.h"

namespace sluice::store::sqlite {

// One write. The views point into the caller's arguments, which outlive the
// write: the caller waits for its answer.
struct WriteOp {
  enum class Kind { kCreate, kUpdate, kDelete, kCompact, kTxn };
  Kind kind = Kind::kCreate;
  absl::string_view key;
  absl::string_view value;
  // Update, Delete: the expected mod revision. Compact: the revision.
  int64_t revision = 0;
  const std::vector<TxnOp>* txn = nullptr;  // kTxn: its ops, already validated
};

// What one op did inside its batch.
struct Applied {
  // For a Create that found the key, succeeded is false and kv the value.
  // For a Txn: succeeded, and the revision.
  absl::StatusOr<WriteResult> result;
  std::vector<Event> events;             // the changes it made, if any
  std::vector<WriteResult> txn_results;  // a Txn's, one per op
};

class Writer {
 public:
  static absl::StatusOr<std::unique_ptr<Writer>> Open(const std::string& path,
                                                      absl::Duration busy_timeout);

  // Starts a write transaction and reads the revisions it starts from.
  ~Writer();

  absl::Status Begin();
  // Applies one op. An op that fails leaves nothing behind (it runs in its own
  // savepoint) and the batch goes on.
  Applied Apply(const WriteOp& op);
  absl::Status Commit();
  void Rollback();

  // The store's revisions, as of the ops applied so far.
  int64_t revision() const { return revision_; }
  int64_t compacted() const { return compacted_; }

 private:
  struct Statements;

  Writer(std::unique_ptr<Connection> db, std::unique_ptr<Statements> statements);
  absl::Status Run(Statement& statement);
  absl::StatusOr<Applied> ApplyInSavepoint(const WriteOp& op);
  // The latest row of `key`, tombstone or not.
  absl::StatusOr<std::optional<Row>> Latest(absl::string_view key);
  // Appends `row` as the next revision.
  absl::Status Append(Row& row);
  absl::StatusOr<Applied> Create(const WriteOp& op);
  absl::StatusOr<Applied> Update(const WriteOp& op);
  absl::StatusOr<Applied> Delete(const WriteOp& op);
  absl::StatusOr<Applied> Compact(const WriteOp& op);
  // Checks every op's condition first, so that a failed Txn writes nothing.
  absl::StatusOr<Applied> Txn(const WriteOp& op);

  std::unique_ptr<Connection> db_;
  std::unique_ptr<Statements> statements_;
  int64_t revision_ = 0;
  int64_t compacted_ = 0;
};

}  // namespace sluice::store::sqlite

#endif  // SLUICE_CONTROL_STORE_SQLITE_WRITER_H_
