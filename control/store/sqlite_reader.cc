#include "control/store/sqlite_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "control/status_macros.h"
#include "control/store/sqlite_schema.h"

namespace sluice::store::sqlite {
namespace {

// Both revisions in the same snapshot as the read that follows.
constexpr char kSnapshotSql[] =
    "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'kv'), "
    "(SELECT value FROM meta WHERE key = 'compact_revision')";

constexpr char kGetSql[] =
    "SELECT id, name, deleted, create_revision, prev_revision, version, value FROM kv "
    "WHERE name = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1";

// The latest row of each key in [?1, ?2) at revision ?3, unless it is a
// tombstone, in key order. Walks kv_name_id in order and stops at the limit.
constexpr char kListSql[] =
    "SELECT k.id, k.name, k.deleted, k.create_revision, k.prev_revision, k.version, k.value "
    "FROM kv AS k WHERE k.name >= ?1 AND k.name < ?2 AND k.id <= ?3 AND k.deleted = 0 "
    "AND k.id = (SELECT MAX(l.id) FROM kv AS l WHERE l.name = k.name AND l.id <= ?3) "
    "ORDER BY k.name LIMIT ?4";
// The same without an end: the prefix is empty, or only 0xff bytes.
constexpr char kListToEndSql[] =
    "SELECT k.id, k.name, k.deleted, k.create_revision, k.prev_revision, k.version, k.value "
    "FROM kv AS k WHERE k.name >= ?1 AND k.id <= ?3 AND k.deleted = 0 "
    "AND k.id = (SELECT MAX(l.id) FROM kv AS l WHERE l.name = k.name AND l.id <= ?3) "
    "ORDER BY k.name LIMIT ?4";

// Rows in (?3, ?4] under [?1, ?2), each with the row it superseded (the
// event's prev_kv). Compaction never removes the superseded row of a change
// after the compacted revision, so the join finds it. The unary + keeps SQLite
// on the revision range (the primary key) instead of a scan of the name index.
constexpr char kChangesSql[] =
    "SELECT k.id, k.name, k.deleted, k.create_revision, k.prev_revision, k.version, k.value, "
    "p.id, p.name, p.deleted, p.create_revision, p.prev_revision, p.version, p.value "
    "FROM kv AS k LEFT JOIN kv AS p ON p.id = k.prev_revision "
    "WHERE k.id > ?3 AND k.id <= ?4 AND +k.name >= ?1 AND +k.name < ?2 ORDER BY k.id LIMIT ?5";
constexpr char kChangesToEndSql[] =
    "SELECT k.id, k.name, k.deleted, k.create_revision, k.prev_revision, k.version, k.value, "
    "p.id, p.name, p.deleted, p.create_revision, p.prev_revision, p.version, p.value "
    "FROM kv AS k LEFT JOIN kv AS p ON p.id = k.prev_revision "
    "WHERE k.id > ?3 AND k.id <= ?4 AND +k.name >= ?1 ORDER BY k.id LIMIT ?5";

// The row of a change and the one it superseded, as an etcd event.
Event ToEvent(Row row, std::optional<Row> prev) {
  Event event;
  if (prev.has_value() && !prev->deleted) event.prev_kv = ToKeyValue(std::move(*prev));
  if (row.deleted) {
    event.type = EventType::kDelete;
    event.kv = KeyValue{.key = std::move(row.name), .mod_revision = row.id};
  } else {
    event.type = EventType::kPut;
    event.kv = ToKeyValue(std::move(row));
  }
  return event;
}

}  // namespace

struct Reader::Statements {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement snapshot;
  Statement get;
  Statement list;
  Statement list_to_end;
  Statement changes;
  Statement changes_to_end;
};

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(const std::string& path,
                                                     absl::Duration busy_timeout) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(path));
  sqlite3_busy_timeout(db->raw(), static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  // Reads only; a bug that tried to write here fails instead of racing the writer.
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA query_only=1"));
  SLUICE_ASSIGN_OR_RETURN(Statement begin, db->Prepare("BEGIN"));
  SLUICE_ASSIGN_OR_RETURN(Statement commit, db->Prepare("COMMIT"));
  SLUICE_ASSIGN_OR_RETURN(Statement rollback, db->Prepare("ROLLBACK"));
  SLUICE_ASSIGN_OR_RETURN(Statement snapshot, db->Prepare(kSnapshotSql));
  SLUICE_ASSIGN_OR_RETURN(Statement get, db->Prepare(kGetSql));
  SLUICE_ASSIGN_OR_RETURN(Statement list, db->Prepare(kListSql));
  SLUICE_ASSIGN_OR_RETURN(Statement list_to_end, db->Prepare(kListToEndSql));
  SLUICE_ASSIGN_OR_RETURN(Statement changes, db->Prepare(kChangesSql));
  SLUICE_ASSIGN_OR_RETURN(Statement changes_to_end, db->Prepare(kChangesToEndSql));
  auto statements = std::unique_ptr<Statements>(new Statements{
      std::move(begin), std::move(commit), std::move(rollback), std::move(snapshot), std::move(get),
      std::move(list), std::move(list_to_end), std::move(changes), std::move(changes_to_end)});
  return std::unique_ptr<Reader>(new Reader(std::move(db), std::move(statements)));
}

Reader::Reader(std::unique_ptr<Connection> db, std::unique_ptr<Statements> statements)
    : db_(std::move(db)), statements_(std::move(statements)) {}

Reader::~Reader() = default;

absl::StatusOr<Reader::Snapshot> Reader::Begin() {
  Statements& s = *statements_;
  {
    ResetOnExit reset(s.begin);
    SLUICE_RETURN_IF_ERROR(s.begin.Run());
  }
  ResetOnExit reset(s.snapshot);
  absl::StatusOr<bool> row = s.snapshot.Step();
  if (!row.ok() || !*row) {
    ResetOnExit reset_rollback(s.rollback);
    s.rollback.Run().IgnoreError();
    if (!row.ok()) return row.status();
    return absl::InternalError(absl::StrCat(db_->path(), ": cannot read the store's revision"));
  }
  return Snapshot{.current = s.snapshot.ColumnInt(0), .compacted = s.snapshot.ColumnInt(1)};
}

template <typename T>
absl::StatusOr<T> Reader::End(absl::StatusOr<T> result) {
  Statement& end = result.ok() ? statements_->commit : statements_->rollback;
  ResetOnExit reset(end);
  absl::Status status = end.Run();
  if (result.ok() && !status.ok()) return status;
  return result;
}

absl::StatusOr<int64_t> Reader::ReadRevision(const Snapshot& snapshot, int64_t requested) {
  if (requested < 0) return absl::InvalidArgumentError("revision must not be negative");
  if (requested == kLatest) return snapshot.current;
  if (requested > snapshot.current) return FutureRevisionError(requested, snapshot.current);
  if (requested < snapshot.compacted) return CompactedError(requested, snapshot.compacted);
  return requested;
}

absl::StatusOr<std::optional<KeyValue>> Reader::Get(absl::string_view key, int64_t revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  SLUICE_ASSIGN_OR_RETURN(Snapshot snapshot, Begin());
  auto read = [&]() -> absl::StatusOr<std::optional<KeyValue>> {
    SLUICE_ASSIGN_OR_RETURN(int64_t at, ReadRevision(snapshot, revision));
    Statement& get = statements_->get;
    ResetOnExit reset(get);
    get.BindBlob(1, key);
    get.BindInt(2, at);
    SLUICE_ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) return std::nullopt;
    Row row = ReadRow(get, 0);
    if (row.deleted) return std::nullopt;
    return ToKeyValue(std::move(row));
  };
  return End(read());
}

absl::StatusOr<ListResult> Reader::List(const ListOptions& options) {
  if (options.limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  // The first key of the page: the prefix itself, or the key right after
  // start_after (in bytewise order, start_after followed by a zero byte).
  std::string begin = options.prefix;
  if (!options.start_after.empty()) {
    std::string after = options.start_after + '\0';
    if (after > begin) begin = std::move(after);
  }
  const std::string end = PrefixEnd(options.prefix);
  SLUICE_ASSIGN_OR_RETURN(Snapshot snapshot, Begin());
  auto read = [&]() -> absl::StatusOr<ListResult> {
    ListResult result;
    SLUICE_ASSIGN_OR_RETURN(result.revision, ReadRevision(snapshot, options.revision));
    if (!end.empty() && begin >= end) return result;
    Statement& list = end.empty() ? statements_->list_to_end : statements_->list;
    ResetOnExit reset(list);
    list.BindBlob(1, begin);
    if (!end.empty()) list.BindBlob(2, end);
    list.BindInt(3, result.revision);
    // One row past the limit tells whether there are more.
    list.BindInt(4, options.limit == 0 ? -1 : options.limit + 1);
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool more_rows, list.Step());
      if (!more_rows) break;
      if (options.limit != 0 && static_cast<int64_t>(result.kvs.size()) == options.limit) {
        result.more = true;
        break;
      }
      result.kvs.push_back(ToKeyValue(ReadRow(list, 0)));
    }
    return result;
  };
  return End(read());
}

absl::StatusOr<ChangeBatch> Reader::Changes(absl::string_view prefix, int64_t after, int64_t upto,
                                            int64_t limit) {
  const std::string end = PrefixEnd(prefix);
  SLUICE_ASSIGN_OR_RETURN(Snapshot snapshot, Begin());
  auto read = [&]() -> absl::StatusOr<ChangeBatch> {
    if (after < snapshot.compacted) return CompactedError(after, snapshot.compacted);
    ChangeBatch batch;
    batch.upto = std::min(upto, snapshot.current);
    Statement& changes = end.empty() ? statements_->changes_to_end : statements_->changes;
    ResetOnExit reset(changes);
    changes.BindBlob(1, prefix);
    if (!end.empty()) changes.BindBlob(2, end);
    changes.BindInt(3, after);
    changes.BindInt(4, batch.upto);
    changes.BindInt(5, limit);
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool found, changes.Step());
      if (!found) break;
      std::optional<Row> prev;
      if (!changes.ColumnIsNull(kRowColumnCount)) prev = ReadRow(changes, kRowColumnCount);
      batch.events.push_back(ToEvent(ReadRow(changes, 0), std::move(prev)));
    }
    // A full chunk may have stopped short of `upto`: resume after its last change.
    if (static_cast<int64_t>(batch.events.size()) == limit) {
      batch.upto = batch.events.back().kv.mod_revision;
    }
    return batch;
  };
  return End(read());
}

absl::StatusOr<ReaderPool::Handle> ReaderPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_.back());
      idle_.pop_back();
      return Handle(this, std::move(reader));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Reader> reader, Reader::Open(path_, busy_timeout_));
  return Handle(this, std::move(reader));
}

void ReaderPool::Release(std::unique_ptr<Reader> reader) {
  absl::MutexLock lock(&mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(reader));
}

}  // namespace sluice::store::sqlite
