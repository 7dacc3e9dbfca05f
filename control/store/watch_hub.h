// Fan-out of committed changes to many watch streams, for a backend that has
// no watch of its own (SQLite; etcd watches by itself).
//
// The writer publishes each commit's events once, to an in-memory window of
// the latest changes. A stream is a cursor: it copies the events after its
// revision that match its prefix, and a publish wakes only the streams that
// one of its events matches. A stream behind the window (opened at an old
// revision, or too slow) reads the backend's log in chunks on its own thread
// until it reaches the window, so nothing is lost and no stream costs the
// writer a query.
#ifndef SLUICE_CONTROL_STORE_WATCH_HUB_H_
#define SLUICE_CONTROL_STORE_WATCH_HUB_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "control/store/store.h"

namespace sluice::store {

// Changes read from a backend's log.
struct ChangeBatch {
  std::vector<Event> events;
  int64_t upto = 0;  // every change up to this revision has been read
};

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // Reads the changes in (after, upto] to keys under `prefix`, at most `limit`
  // of them, from the backend. Fails with a Compacted error when they are gone.
  using LogReader = std::function<absl::StatusOr<ChangeBatch>(
      absl::string_view prefix, int64_t after, int64_t upto, int64_t limit)>;

  struct Options {
    // The window keeps the latest changes up to both limits.
    size_t window_events = 10000;
    size_t window_bytes = size_t{64} << 20;
    int64_t catch_up_chunk = 1000;  // changes per read of the log
  };

  // `revision`: the store's revision when the hub starts.
  static std::shared_ptr<WatchHub> Create(int64_t revision, LogReader reader, Options options);

  // Publishes one commit: its events in revision order, and the store's
  // revision after it. Called by one writer, after the commit is durable.
  void Publish(std::vector<Event> events, int64_t revision);

  // A stream of the changes after `after_revision` to keys under `prefix`.
  WatchStreamPtr Open(std::string prefix, int64_t after_revision, std::function<void()> on_ready);

  // Ends every stream: their Next() fails with Cancelled.
  void Close();

  int64_t revision() const;
  size_t stream_count() const;

 private:
  class Stream;
  class Signal;
  struct Subscriber {
    std::string prefix;
    std::shared_ptr<Signal> signal;
  };

  WatchHub(int64_t revision, LogReader reader, Options options);
  void Unsubscribe(const std::shared_ptr<Subscriber>& subscriber);
  void Evict() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LogReader reader_;
  const Options options_;
  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Every change with a revision in (floor_, head_], oldest first.
  std::deque<Event> window_ ABSL_GUARDED_BY(mu_);
  size_t window_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t floor_ ABSL_GUARDED_BY(mu_);
  int64_t head_ ABSL_GUARDED_BY(mu_);
  std::unordered_set<std::shared_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_WATCH_HUB_H_
