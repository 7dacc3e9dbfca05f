// Group commit: one thread applies every queued write in one transaction and
// commits it with one fsync. With synchronous=FULL an fsync costs a few
// milliseconds, so one commit per write would cap the store at a few hundred
// writes a second; writers that arrive during a commit share the next one.
// No write waits for company: a lone writer is committed at once.
#ifndef SLUICE_CONTROL_STORE_SQLITE_COMMITTER_H_
#define SLUICE_CONTROL_STORE_SQLITE_COMMITTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "control/store/sqlite_writer.h"
#include "control/store/store.h"

namespace sluice::store::sqlite {

class Committer {
 public:
  struct Options {
    size_t max_batch_ops = 1024;
    size_t max_batch_bytes = size_t{32} << 20;  // values and keys
  };
  // Called after each durable commit that changed something, before any of
  // its writers is answered: its events in revision order, and the store's
  // revision and compacted revision after it.
  using Publish =
      std::function<void(std::vector<Event> events, int64_t revision, int64_t compacted)>;

  struct Stats {
    int64_t commits = 0;
    int64_t ops = 0;
  };

  Committer(std::unique_ptr<Writer> writer, Publish publish, Options options);
  // Answers the writes still queued, then stops.
  ~Committer();

  // Queues `op` and waits until it is committed (or failed). The events of
  // the result are gone (published).
  Applied Submit(const WriteOp& op);

  Stats stats() const { return Stats{commits_.load(), ops_.load()}; }

 private:
  struct Pending {
    explicit Pending(const WriteOp* op) : op(op) {}
    const WriteOp* op;
    Applied applied;
    absl::Notification done;
  };

  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; }
  void CommitBatch(const std::vector<Pending*>& batch);

  const std::unique_ptr<Writer> writer_;
  const Publish publish_;
  const Options options_;
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> ops_{0};
  absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace sluice::store::sqlite

#endif  // SLUICE_CONTROL_STORE_SQLITE_COMMITTER_H_
