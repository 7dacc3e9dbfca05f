#include "control/store/sqlite_schema.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "control/status_macros.h"

namespace sluice::store::sqlite {
namespace {

constexpr char kCreateSchema[] = R"sql(
CREATE TABLE kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name BLOB NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  value BLOB NOT NULL
);
-- Two writes that supersede the same row of a key (or both create it from
-- nothing, prev_revision 0) cannot both commit.
CREATE UNIQUE INDEX kv_name_prev_revision ON kv (name, prev_revision);
-- The latest row of a key at a revision; lists in key order.
CREATE INDEX kv_name_id ON kv (name, id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('compact_revision', 0);
-- Revision 1 is the empty store, as in etcd.
INSERT INTO sqlite_sequence (name, seq) VALUES ('kv', 1);
)sql";

}  // namespace

Row ReadRow(const Statement& statement, int first) {
  Row row;
  row.id = statement.ColumnInt(first);
  row.name = statement.ColumnBlob(first + 1);
  row.deleted = statement.ColumnInt(first + 2) != 0;
  row.create_revision = statement.ColumnInt(first + 3);
  row.prev_revision = statement.ColumnInt(first + 4);
  row.version = statement.ColumnInt(first + 5);
  row.value = statement.ColumnBlob(first + 6);
  return row;
}

KeyValue ToKeyValue(Row row) {
  return KeyValue{.key = std::move(row.name),
                  .value = std::move(row.value),
                  .create_revision = row.create_revision,
                  .mod_revision = row.id,
                  .version = row.version};
}

absl::Status ConfigureConnection(Connection& db, absl::Duration busy_timeout) {
  sqlite3_busy_timeout(db.raw(), static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  SLUICE_ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode=WAL"));
  if (absl::AsciiStrToLower(mode) != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat(db.path(), ": cannot use write-ahead logging (journal mode is ", mode, ")"));
  }
  SLUICE_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
  return absl::OkStatus();
}

absl::Status EnsureSchema(Connection& db) {
  SLUICE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto finish = [&db](absl::Status status) {
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) db.Exec("ROLLBACK").IgnoreError();
    return status;
  };
  absl::StatusOr<int64_t> version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return finish(version.status());
  if (*version == kSchemaVersion) return finish(absl::OkStatus());
  if (*version != 0) {
    return finish(absl::FailedPreconditionError(absl::StrCat(
        db.path(), ": schema version ", *version, ", this build reads version ", kSchemaVersion)));
  }
  absl::StatusOr<int64_t> tables = db.QueryInt("SELECT COUNT(*) FROM sqlite_master");
  if (!tables.ok()) return finish(tables.status());
  if (*tables != 0) {
    return finish(absl::FailedPreconditionError(
        absl::StrCat(db.path(), ": not a Sluice store (it has tables but no schema version)")));
  }
  absl::Status status = db.Exec(kCreateSchema);
  if (status.ok()) status = db.Exec(absl::StrCat("PRAGMA user_version=", kSchemaVersion));
  return finish(status);
}

}  // namespace sluice::store::sqlite
