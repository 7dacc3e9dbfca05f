// The default Store: one SQLite file, no set-up. etcd's model on kine's
// append-only table (sqlite_schema.h); reads on a pool of WAL readers
// (sqlite_reader.h); writes group-committed by one thread
// (sqlite_committer.h); watches fanned out from memory (watch_hub.h).
//
// One process at a time may open a file: the revision counter and the watch
// fan-out live in this process.
#ifndef SLUICE_CONTROL_STORE_SQLITE_STORE_H_
#define SLUICE_CONTROL_STORE_SQLITE_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/store/sqlite_committer.h"
#include "control/store/sqlite_reader.h"
#include "control/store/store.h"
#include "control/store/watch_hub.h"

namespace sluice::store {

class SqliteStore : public Store {
 public:
  struct Options {
    // How long a statement waits for a lock another connection holds.
    absl::Duration busy_timeout = absl::Seconds(5);
    WatchHub::Options watch;
    sqlite::Committer::Options commit;
  };

  // Opens the store in the file at `path`, creating it if needed.
  static absl::StatusOr<StorePtr> Open(const std::string& path);
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           const Options& options);
  // Ends every watch (Cancelled) after the queued writes are committed.
  ~SqliteStore() override;

  absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::optional<KeyValue>> Get(absl::string_view key, int64_t revision) override;
  absl::StatusOr<ListResult> List(const ListOptions& options) override;
  absl::StatusOr<WriteResult> Update(absl::string_view key, absl::string_view value,
                                     int64_t expected_mod_revision) override;
  absl::StatusOr<WriteResult> Delete(absl::string_view key, int64_t expected_mod_revision) override;
  absl::StatusOr<TxnResult> Txn(const std::vector<TxnOp>& ops) override;
  absl::StatusOr<int64_t> CurrentRevision() override;
  absl::Status Compact(int64_t revision) override;
  absl::StatusOr<WatchStreamPtr> Watch(const WatchOptions& options) override;

  // How many commits the writes took (group commit at work).
  sqlite::Committer::Stats commit_stats() const { return committer_->stats(); }
  size_t watch_count() const { return hub_->stream_count(); }

 private:
  SqliteStore() = default;
  void OnCommit(std::vector<Event> events, int64_t revision, int64_t compacted);

  std::shared_ptr<sqlite::ReaderPool> readers_;
  std::shared_ptr<WatchHub> hub_;
  std::atomic<int64_t> revision_{0};
  std::atomic<int64_t> compacted_{0};
  std::unique_ptr<sqlite::Committer> committer_;  // last: its thread calls OnCommit
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_SQLITE_STORE_H_
