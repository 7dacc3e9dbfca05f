// A thin RAII layer over the sqlite3 C API: connections, prepared statements,
// and SQLite result codes turned into absl::Status with context.
#ifndef SLUICE_CONTROL_STORE_SQLITE_DB_H_
#define SLUICE_CONTROL_STORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice::store::sqlite {

// A prepared statement, kept for the life of its connection. Bind errors are
// remembered and reported by the next Step(), so that binding reads as a list.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) = delete;
  ~Statement();

  // Parameters are numbered from 1, as in the SQL (?1, ?2, ...).
  void BindInt(int index, int64_t value);
  // Keys and values are bound as BLOBs: they are bytes, compared with memcmp.
  void BindBlob(int index, absl::string_view value);

  // Runs to the next row: true when there is one, false when done.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();

  // Columns are numbered from 0.
  int64_t ColumnInt(int index) const;
  std::string ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

  // Ends the current use: releases what a SELECT holds (its read snapshot) and
  // clears the bindings.
  void Reset();

 private:
  absl::Status Error(int code) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

// Resets a statement when leaving a scope, so that an early return never
// leaves a SELECT holding its snapshot open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { statement_.Reset(); }

 private:
  Statement& statement_;
};

// One connection. Used by one thread at a time (it is opened without SQLite's
// own mutex: the store's pools and its writer thread serialize the use).
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();

  absl::Status Exec(absl::string_view sql);
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // Runs a statement that returns one integer (a PRAGMA, a COUNT).
  absl::StatusOr<int64_t> QueryInt(absl::string_view sql);
  absl::StatusOr<std::string> QueryText(absl::string_view sql);

  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
};

// Turns a SQLite result code into a status: BUSY and LOCKED are Unavailable (try
// again), CONSTRAINT is Aborted (two writers collided), FULL is
// ResourceExhausted, TOOBIG is InvalidArgument; anything else is Internal.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view context);

}  // namespace sluice::store::sqlite

#endif  // SLUICE_CONTROL_STORE_SQLITE_DB_H_
