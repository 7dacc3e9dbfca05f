// The SQLite backend's one table, as kine lays etcd's model on SQL:
//
//   kv: one row per write, never updated. The row id is the revision
//       (AUTOINCREMENT, so that ids are never reused even after compaction
//       deletes the newest rows). A delete appends a tombstone row. Each row
//       names the row it supersedes (prev_revision, 0 for none), and a unique
//       index on (name, prev_revision) makes two writers that started from the
//       same revision of a key collide instead of both succeeding.
//   meta: the compacted revision.
//
// The store's revision is the table's AUTOINCREMENT sequence, which starts at 1
// (etcd's revision of an empty store), so the first write is revision 2.
#ifndef SLUICE_CONTROL_STORE_SQLITE_SCHEMA_H_
#define SLUICE_CONTROL_STORE_SQLITE_SCHEMA_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "control/store/sqlite_db.h"
#include "control/store/store.h"

namespace sluice::store::sqlite {

// PRAGMA user_version of the files this code reads and writes.
inline constexpr int64_t kSchemaVersion = 1;

// One row of kv. The column order of every SELECT of a whole row.
struct Row {
  int64_t id = 0;
  std::string name;
  bool deleted = false;
  int64_t create_revision = 0;
  int64_t prev_revision = 0;
  int64_t version = 0;
  std::string value;
};
inline constexpr char kRowColumns[] =
    "id, name, deleted, create_revision, prev_revision, version, value";
inline constexpr int kRowColumnCount = 7;

// Reads the whole row whose first column is `first`.
Row ReadRow(const Statement& statement, int first);
KeyValue ToKeyValue(Row row);

// Sets what every connection needs: WAL (readers never block the writer, and
// a commit is one append to the log), synchronous=FULL (the log is fsynced at
// every commit, so an acknowledged write survives a crash of the machine, not
// only of the process), and a busy timeout.
absl::Status ConfigureConnection(Connection& db, absl::Duration busy_timeout);

// Creates the schema in a new file, or checks the version of an existing one.
absl::Status EnsureSchema(Connection& db);

}  // namespace sluice::store::sqlite

#endif  // SLUICE_CONTROL_STORE_SQLITE_SCHEMA_H_
