// Reads of the SQLite backend: Get, List and the change log, each in one read
// transaction (a consistent snapshot, however the writer moves on), on a pool
// of read-only connections that WAL lets run beside the writer.
#ifndef SLUICE_CONTROL_STORE_SQLITE_READER_H_
#define SLUICE_CONTROL_STORE_SQLITE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/store/sqlite_db.h"
#include "control/store/store.h"
#include "control/store/watch_hub.h"

namespace sluice::store::sqlite {

class Reader {
 public:
  static absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& path,
                                                      absl::Duration busy_timeout);

  ~Reader();

  absl::StatusOr<std::optional<KeyValue>> Get(absl::string_view key, int64_t revision);
  absl::StatusOr<ListResult> List(const ListOptions& options);
  // The changes in (after, upto] to keys under `prefix`, at most `limit` of them.
  // Fails with a Compacted error when `after` is below the compacted revision.
  absl::StatusOr<ChangeBatch> Changes(absl::string_view prefix, int64_t after, int64_t upto,
                                      int64_t limit);

 private:
  struct Statements;
  struct Snapshot {
    int64_t current = 0;
    int64_t compacted = 0;
  };

  Reader(std::unique_ptr<Connection> db, std::unique_ptr<Statements> statements);
  // Starts a read transaction and reads its revisions.
  absl::StatusOr<Snapshot> Begin();
  // Ends the read transaction; returns `result` unless ending it failed.
  template <typename T>
  absl::StatusOr<T> End(absl::StatusOr<T> result);
  // The revision to read at: `requested`, or the current one for kLatest.
  static absl::StatusOr<int64_t> ReadRevision(const Snapshot& snapshot, int64_t requested);

  std::unique_ptr<Connection> db_;
  std::unique_ptr<Statements> statements_;
};

// Idle readers, reused so that statements are prepared once per connection.
class ReaderPool {
 public:
  ReaderPool(std::string path, absl::Duration busy_timeout)
      : path_(std::move(path)), busy_timeout_(busy_timeout) {}

  // Lends a reader; it comes back to the pool when the handle is destroyed.
  class Handle {
   public:
    Handle(ReaderPool* pool, std::unique_ptr<Reader> reader)
        : pool_(pool), reader_(std::move(reader)) {}
    Handle(Handle&&) = default;
    ~Handle() {
      if (reader_ != nullptr) pool_->Release(std::move(reader_));
    }
    Reader* operator->() const { return reader_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Reader> reader_;
  };
  absl::StatusOr<Handle> Acquire();

 private:
  // Readers beyond this many are closed when returned: the pool keeps enough
  // for the usual concurrency without holding a connection per past burst.
  static constexpr size_t kMaxIdle = 16;

  void Release(std::unique_ptr<Reader> reader);

  const std::string path_;
  const absl::Duration busy_timeout_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Reader>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::store::sqlite

#endif  // SLUICE_CONTROL_STORE_SQLITE_READER_H_
