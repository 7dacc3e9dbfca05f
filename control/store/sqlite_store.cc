#include "control/store/sqlite_store.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "control/status_macros.h"

namespace sluice::store {

using sqlite::WriteOp;

absl::StatusOr<StorePtr> SqliteStore::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, Open(path, Options()));
  return store;
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               const Options& options) {
  // The writer opens first: it sets WAL mode and creates the schema.
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Writer> writer,
                          sqlite::Writer::Open(path, options.busy_timeout));
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore());
  store->revision_ = writer->revision();
  store->compacted_ = writer->compacted();
  store->readers_ = std::make_shared<sqlite::ReaderPool>(path, options.busy_timeout);
  // The hub outlives the store while watches hold it; so does its log reader.
  std::shared_ptr<sqlite::ReaderPool> readers = store->readers_;
  auto read_log = [readers](absl::string_view prefix, int64_t after, int64_t upto,
                            int64_t limit) -> absl::StatusOr<ChangeBatch> {
    SLUICE_ASSIGN_OR_RETURN(sqlite::ReaderPool::Handle reader, readers->Acquire());
    return reader->Changes(prefix, after, upto, limit);
  };
  store->hub_ = WatchHub::Create(writer->revision(), std::move(read_log), options.watch);
  // Fails early on a file the readers cannot use, instead of at the first read.
  SLUICE_RETURN_IF_ERROR(store->readers_->Acquire().status());
  SqliteStore* self = store.get();
  store->committer_ = std::make_unique<sqlite::Committer>(
      std::move(writer),
      [self](std::vector<Event> events, int64_t revision, int64_t compacted) {
        self->OnCommit(std::move(events), revision, compacted);
      },
      options.commit);
  return store;
}

SqliteStore::~SqliteStore() {
  committer_.reset();
  hub_->Close();
}

void SqliteStore::OnCommit(std::vector<Event> events, int64_t revision, int64_t compacted) {
  compacted_.store(compacted);
  hub_->Publish(std::move(events), revision);
  revision_.store(revision);
}

absl::StatusOr<int64_t> SqliteStore::Create(absl::string_view key, absl::string_view value) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  SLUICE_ASSIGN_OR_RETURN(
      WriteResult result,
      committer_->Submit(WriteOp{.kind = WriteOp::Kind::kCreate, .key = key, .value = value})
          .result);
  if (!result.succeeded) {
    return absl::AlreadyExistsError(absl::StrCat("key \"", absl::CHexEscape(key),
                                                 "\" exists (mod revision ",
                                                 result.kv ? result.kv->mod_revision : 0, ")"));
  }
  return result.revision;
}

absl::StatusOr<std::optional<KeyValue>> SqliteStore::Get(absl::string_view key, int64_t revision) {
  SLUICE_ASSIGN_OR_RETURN(sqlite::ReaderPool::Handle reader, readers_->Acquire());
  return reader->Get(key, revision);
}

absl::StatusOr<ListResult> SqliteStore::List(const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(sqlite::ReaderPool::Handle reader, readers_->Acquire());
  return reader->List(options);
}

absl::StatusOr<WriteResult> SqliteStore::Update(absl::string_view key, absl::string_view value,
                                                int64_t expected_mod_revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_mod_revision <= 0) {
    return absl::InvalidArgumentError("update needs the expected mod revision (> 0)");
  }
  return committer_
      ->Submit(WriteOp{.kind = WriteOp::Kind::kUpdate,
                       .key = key,
                       .value = value,
                       .revision = expected_mod_revision})
      .result;
}

absl::StatusOr<WriteResult> SqliteStore::Delete(absl::string_view key,
                                                int64_t expected_mod_revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_mod_revision < 0) {
    return absl::InvalidArgumentError("expected mod revision must not be negative");
  }
  return committer_
      ->Submit(
          WriteOp{.kind = WriteOp::Kind::kDelete, .key = key, .revision = expected_mod_revision})
      .result;
}

absl::StatusOr<TxnResult> SqliteStore::Txn(const std::vector<TxnOp>& ops) {
  SLUICE_RETURN_IF_ERROR(ValidateTxn(ops));
  sqlite::Applied applied = committer_->Submit(WriteOp{.kind = WriteOp::Kind::kTxn, .txn = &ops});
  SLUICE_ASSIGN_OR_RETURN(WriteResult result, std::move(applied.result));
  return TxnResult{.succeeded = result.succeeded,
                   .results = std::move(applied.txn_results),
                   .revision = result.revision};
}

absl::StatusOr<int64_t> SqliteStore::CurrentRevision() {
  return revision_.load();
}

absl::Status SqliteStore::Compact(int64_t revision) {
  if (revision <= 0) return absl::InvalidArgumentError("compaction revision must be positive");
  return committer_->Submit(WriteOp{.kind = WriteOp::Kind::kCompact, .revision = revision})
      .result.status();
}

absl::StatusOr<WatchStreamPtr> SqliteStore::Watch(const WatchOptions& options) {
  if (options.after_revision < 0) {
    return absl::InvalidArgumentError("watch revision must not be negative");
  }
  int64_t after = options.after_revision == 0 ? hub_->revision() : options.after_revision;
  // A compaction after this check is caught by the stream when it reads the log.
  if (int64_t compacted = compacted_.load(); after < compacted) {
    return CompactedError(after, compacted);
  }
  return hub_->Open(options.prefix, after, options.on_ready);
}

}  // namespace sluice::store
