#include "control/store/sqlite_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "control/status_macros.h"

namespace sluice::store::sqlite {
namespace {

constexpr char kLatestSql[] =
    "SELECT id, name, deleted, create_revision, prev_revision, version, value FROM kv "
    "WHERE name = ?1 ORDER BY id DESC LIMIT 1";
constexpr char kAppendSql[] =
    "INSERT INTO kv (id, name, deleted, create_revision, prev_revision, version, value) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kRevisionsSql[] =
    "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'kv'), "
    "(SELECT value FROM meta WHERE key = 'compact_revision')";
// Compaction in one statement: every row up to ?1 that a row up to ?1
// superseded, and every tombstone up to ?1. What is left up to ?1 is the live
// value of each key at ?1, and every row after ?1 still finds the row it
// superseded (its watch event's prev_kv).
constexpr char kCompactSql[] =
    "DELETE FROM kv WHERE id IN ("
    "SELECT prev_revision FROM kv WHERE id <= ?1 AND prev_revision != 0 "
    "UNION ALL SELECT id FROM kv WHERE id <= ?1 AND deleted != 0)";
constexpr char kSetCompactedSql[] = "UPDATE meta SET value = ?1 WHERE key = 'compact_revision'";

WriteResult Failed(std::optional<Row> current, int64_t revision) {
  WriteResult result{.succeeded = false, .revision = revision};
  if (current.has_value() && !current->deleted) result.kv = ToKeyValue(std::move(*current));
  return result;
}

}  // namespace

struct Writer::Statements {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement savepoint;
  Statement release;
  Statement rollback_to;
  Statement revisions;
  Statement latest;
  Statement append;
  Statement compact;
  Statement set_compacted;
};

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(const std::string& path,
                                                     absl::Duration busy_timeout) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(path));
  SLUICE_RETURN_IF_ERROR(ConfigureConnection(*db, busy_timeout));
  SLUICE_RETURN_IF_ERROR(EnsureSchema(*db));
  // IMMEDIATE: take the write lock at BEGIN, so that a busy file is reported
  // there and not half-way through a batch.
  SLUICE_ASSIGN_OR_RETURN(Statement begin, db->Prepare("BEGIN IMMEDIATE"));
  SLUICE_ASSIGN_OR_RETURN(Statement commit, db->Prepare("COMMIT"));
  SLUICE_ASSIGN_OR_RETURN(Statement rollback, db->Prepare("ROLLBACK"));
  SLUICE_ASSIGN_OR_RETURN(Statement savepoint, db->Prepare("SAVEPOINT op"));
  SLUICE_ASSIGN_OR_RETURN(Statement release, db->Prepare("RELEASE op"));
  SLUICE_ASSIGN_OR_RETURN(Statement rollback_to, db->Prepare("ROLLBACK TO op"));
  SLUICE_ASSIGN_OR_RETURN(Statement revisions, db->Prepare(kRevisionsSql));
  SLUICE_ASSIGN_OR_RETURN(Statement latest, db->Prepare(kLatestSql));
  SLUICE_ASSIGN_OR_RETURN(Statement append, db->Prepare(kAppendSql));
  SLUICE_ASSIGN_OR_RETURN(Statement compact, db->Prepare(kCompactSql));
  SLUICE_ASSIGN_OR_RETURN(Statement set_compacted, db->Prepare(kSetCompactedSql));
  auto statements = std::unique_ptr<Statements>(new Statements{
      std::move(begin), std::move(commit), std::move(rollback), std::move(savepoint),
      std::move(release), std::move(rollback_to), std::move(revisions), std::move(latest),
      std::move(append), std::move(compact), std::move(set_compacted)});
  auto writer = std::unique_ptr<Writer>(new Writer(std::move(db), std::move(statements)));
  // Reads the revisions once, for the store to start from.
  SLUICE_RETURN_IF_ERROR(writer->Begin());
  writer->Rollback();
  return writer;
}

Writer::Writer(std::unique_ptr<Connection> db, std::unique_ptr<Statements> statements)
    : db_(std::move(db)), statements_(std::move(statements)) {}

Writer::~Writer() = default;

absl::Status Writer::Run(Statement& statement) {
  ResetOnExit reset(statement);
  return statement.Run();
}

absl::Status Writer::Begin() {
  SLUICE_RETURN_IF_ERROR(Run(statements_->begin));
  Statement& revisions = statements_->revisions;
  ResetOnExit reset(revisions);
  absl::StatusOr<bool> row = revisions.Step();
  if (!row.ok() || !*row) {
    Rollback();
    if (!row.ok()) return row.status();
    return absl::InternalError(absl::StrCat(db_->path(), ": cannot read the store's revision"));
  }
  revision_ = revisions.ColumnInt(0);
  compacted_ = revisions.ColumnInt(1);
  return absl::OkStatus();
}

absl::Status Writer::Commit() {
  return Run(statements_->commit);
}

void Writer::Rollback() {
  Run(statements_->rollback).IgnoreError();
}

Applied Writer::Apply(const WriteOp& op) {
  const int64_t revision = revision_;
  const int64_t compacted = compacted_;
  if (absl::Status status = Run(statements_->savepoint); !status.ok()) {
    return Applied{.result = status};
  }
  absl::StatusOr<Applied> applied = ApplyInSavepoint(op);
  absl::Status status = applied.ok() ? Run(statements_->release) : applied.status();
  if (status.ok()) return *std::move(applied);
  // Undo this op only; the batch's other ops stand.
  Run(statements_->rollback_to).IgnoreError();
  Run(statements_->release).IgnoreError();
  revision_ = revision;
  compacted_ = compacted;
  return Applied{.result = status};
}

absl::StatusOr<Applied> Writer::ApplyInSavepoint(const WriteOp& op) {
  switch (op.kind) {
    case WriteOp::Kind::kCreate:
      return Create(op);
    case WriteOp::Kind::kUpdate:
      return Update(op);
    case WriteOp::Kind::kDelete:
      return Delete(op);
    case WriteOp::Kind::kCompact:
      return Compact(op);
    case WriteOp::Kind::kTxn:
      return Txn(op);
  }
  return absl::InternalError("unknown write");
}

absl::StatusOr<std::optional<Row>> Writer::Latest(absl::string_view key) {
  Statement& latest = statements_->latest;
  ResetOnExit reset(latest);
  latest.BindBlob(1, key);
  SLUICE_ASSIGN_OR_RETURN(bool found, latest.Step());
  if (!found) return std::nullopt;
  return ReadRow(latest, 0);
}

absl::Status Writer::Append(Row& row) {
  // The id is chosen here rather than by SQLite so that a new key's
  // create_revision (its own id) is written in the same statement. The unique
  // index still rejects a second writer from the same prev_revision.
  row.id = revision_ + 1;
  if (row.create_revision == 0) row.create_revision = row.id;
  Statement& append = statements_->append;
  ResetOnExit reset(append);
  append.BindInt(1, row.id);
  append.BindBlob(2, row.name);
  append.BindInt(3, row.deleted ? 1 : 0);
  append.BindInt(4, row.create_revision);
  append.BindInt(5, row.prev_revision);
  append.BindInt(6, row.version);
  append.BindBlob(7, row.value);
  SLUICE_RETURN_IF_ERROR(append.Run());
  revision_ = row.id;
  return absl::OkStatus();
}

absl::StatusOr<Applied> Writer::Create(const WriteOp& op) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<Row> latest, Latest(op.key));
  if (latest.has_value() && !latest->deleted) {
    return Applied{.result = Failed(std::move(latest), revision_)};
  }
  Row row{.name = std::string(op.key),
          .prev_revision = latest.has_value() ? latest->id : 0,
          .version = 1,
          .value = std::string(op.value)};
  SLUICE_RETURN_IF_ERROR(Append(row));
  KeyValue kv = ToKeyValue(std::move(row));
  return Applied{.result = WriteResult{.succeeded = true, .kv = kv, .revision = revision_},
                 .events = {Event{.type = EventType::kPut, .kv = std::move(kv)}}};
}

absl::StatusOr<Applied> Writer::Update(const WriteOp& op) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<Row> latest, Latest(op.key));
  if (!latest.has_value() || latest->deleted || latest->id != op.revision) {
    return Applied{.result = Failed(std::move(latest), revision_)};
  }
  Row row{.name = std::string(op.key),
          .create_revision = latest->create_revision,
          .prev_revision = latest->id,
          .version = latest->version + 1,
          .value = std::string(op.value)};
  SLUICE_RETURN_IF_ERROR(Append(row));
  KeyValue kv = ToKeyValue(std::move(row));
  return Applied{
      .result = WriteResult{.succeeded = true, .kv = kv, .revision = revision_},
      .events = {
          Event{.type = EventType::kPut, .kv = std::move(kv), .prev_kv = ToKeyValue(*latest)}}};
}

absl::StatusOr<Applied> Writer::Delete(const WriteOp& op) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<Row> latest, Latest(op.key));
  if (!latest.has_value() || latest->deleted ||
      (op.revision != kUnconditional && latest->id != op.revision)) {
    return Applied{.result = Failed(std::move(latest), revision_)};
  }
  Row tombstone{.name = std::string(op.key),
                .deleted = true,
                .create_revision = latest->create_revision,
                .prev_revision = latest->id};
  SLUICE_RETURN_IF_ERROR(Append(tombstone));
  KeyValue deleted = ToKeyValue(std::move(*latest));
  return Applied{
      .result = WriteResult{.succeeded = true, .kv = deleted, .revision = revision_},
      .events = {Event{.type = EventType::kDelete,
                       .kv = KeyValue{.key = std::string(op.key), .mod_revision = revision_},
                       .prev_kv = std::move(deleted)}}};
}

absl::StatusOr<Applied> Writer::Compact(const WriteOp& op) {
  if (op.revision > revision_) return FutureRevisionError(op.revision, revision_);
  if (op.revision <= compacted_) return CompactedError(op.revision, compacted_);
  Statement& compact = statements_->compact;
  {
    ResetOnExit reset(compact);
    compact.BindInt(1, op.revision);
    SLUICE_RETURN_IF_ERROR(compact.Run());
  }
  Statement& set_compacted = statements_->set_compacted;
  ResetOnExit reset(set_compacted);
  set_compacted.BindInt(1, op.revision);
  SLUICE_RETURN_IF_ERROR(set_compacted.Run());
  compacted_ = op.revision;
  return Applied{.result = WriteResult{.succeeded = true, .revision = revision_}};
}

absl::StatusOr<Applied> Writer::Txn(const WriteOp& op) {
  Applied txn{.result = WriteResult{.succeeded = true}};
  for (const TxnOp& t : *op.txn) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<Row> latest, Latest(t.key));
    std::optional<KeyValue> current;
    if (latest.has_value() && !latest->deleted) current = ToKeyValue(*std::move(latest));
    bool holds = TxnConditionHolds(t, current);
    txn.result->succeeded = txn.result->succeeded && holds;
    txn.txn_results.push_back(
        WriteResult{.succeeded = holds, .kv = std::move(current), .revision = revision_});
  }
  if (!txn.result->succeeded) {
    txn.result->revision = revision_;
    return txn;
  }
  for (size_t i = 0; i < op.txn->size(); ++i) {
    const TxnOp& t = (*op.txn)[i];
    static constexpr WriteOp::Kind kKinds[] = {WriteOp::Kind::kCreate, WriteOp::Kind::kUpdate,
                                               WriteOp::Kind::kDelete};
    SLUICE_ASSIGN_OR_RETURN(Applied one,
                            ApplyInSavepoint(WriteOp{.kind = kKinds[static_cast<int>(t.kind)],
                                                     .key = t.key,
                                                     .value = t.value,
                                                     .revision = t.expected_mod_revision}));
    // The conditions were just checked in this transaction.
    if (!one.result.ok() || !one.result->succeeded)
      return absl::InternalError(absl::StrCat("transaction: op on \"", t.key, "\" failed"));
    txn.txn_results[i] = *std::move(one.result);
    for (Event& event : one.events) txn.events.push_back(std::move(event));
  }
  txn.result->revision = revision_;
  return txn;
}

}  // namespace sluice::store::sqlite
