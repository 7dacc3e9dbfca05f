#include "control/store/watch_hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace sluice::store {
namespace {

size_t EventBytes(const Event& event) {
  size_t bytes = sizeof(Event) + event.kv.key.size() + event.kv.value.size();
  if (event.prev_kv.has_value()) bytes += event.prev_kv->key.size() + event.prev_kv->value.size();
  return bytes;
}

}  // namespace

// Wakes one stream: its waiting Next(), or its owner's on_ready.
class WatchHub::Signal {
 public:
  explicit Signal(std::function<void()> on_ready) : on_ready_(std::move(on_ready)) {}

  void Notify() {
    absl::MutexLock lock(&mu_);
    if (detached_) return;
    ready_ = true;
    cv_.Signal();
    // Under the lock, so that Detach() returning means no callback is running
    // or will run.
    if (on_ready_) on_ready_();
  }

  void Clear() {
    absl::MutexLock lock(&mu_);
    ready_ = false;
  }

  // True when notified before `deadline`.
  bool WaitUntil(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    while (!ready_) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) return ready_;
    }
    return true;
  }

  void Detach() {
    absl::MutexLock lock(&mu_);
    detached_ = true;
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  bool detached_ ABSL_GUARDED_BY(mu_) = false;
  const std::function<void()> on_ready_;
};

class WatchHub::Stream : public WatchStream {
 public:
  Stream(std::shared_ptr<WatchHub> hub, std::shared_ptr<Subscriber> subscriber, int64_t cursor)
      : hub_(std::move(hub)), subscriber_(std::move(subscriber)), cursor_(cursor) {}

  ~Stream() override {
    hub_->Unsubscribe(subscriber_);
    subscriber_->signal->Detach();
  }

  absl::StatusOr<WatchResponse> Next(absl::Duration timeout) override {
    if (!error_.ok()) return error_;
    absl::Time deadline = absl::Now() + timeout;
    while (true) {
      // Cleared before looking, so that a publish after the look still wakes
      // the wait below.
      subscriber_->signal->Clear();
      WatchResponse response;
      if (absl::Status status = Collect(response.events); !status.ok()) {
        error_ = status;
        return status;
      }
      response.revision = cursor_;
      if (!response.events.empty()) return response;
      if (!subscriber_->signal->WaitUntil(deadline)) return response;
    }
  }

 private:
  // Appends the changes after cursor_ and advances it: from the log while
  // cursor_ is behind the window (a chunk at a time), else from the window.
  absl::Status Collect(std::vector<Event>& events) {
    const std::string& prefix = subscriber_->prefix;
    while (true) {
      int64_t floor;
      {
        absl::ReaderMutexLock lock(&hub_->mu_);
        if (hub_->closed_) return absl::CancelledError("the store is closed");
        if (cursor_ >= hub_->floor_) {
          auto it = std::upper_bound(hub_->window_.begin(), hub_->window_.end(), cursor_,
                                     [](int64_t revision, const Event& event) {
                                       return revision < event.kv.mod_revision;
                                     });
          for (; it != hub_->window_.end(); ++it) {
            if (absl::StartsWith(it->kv.key, prefix)) events.push_back(*it);
          }
          cursor_ = std::max(cursor_, hub_->head_);
          return absl::OkStatus();
        }
        floor = hub_->floor_;
      }
      absl::StatusOr<ChangeBatch> batch =
          hub_->reader_(prefix, cursor_, floor, hub_->options_.catch_up_chunk);
      if (!batch.ok()) return batch.status();
      if (batch->upto <= cursor_) {
        return absl::InternalError("the store's log ends before its published revision");
      }
      cursor_ = batch->upto;
      if (!batch->events.empty()) {
        events = std::move(batch->events);
        return absl::OkStatus();
      }
    }
  }

  const std::shared_ptr<WatchHub> hub_;
  const std::shared_ptr<Subscriber> subscriber_;
  int64_t cursor_;  // every change up to it has been returned
  absl::Status error_;
};

std::shared_ptr<WatchHub> WatchHub::Create(int64_t revision, LogReader reader, Options options) {
  return std::shared_ptr<WatchHub>(new WatchHub(revision, std::move(reader), options));
}

WatchHub::WatchHub(int64_t revision, LogReader reader, Options options)
    : reader_(std::move(reader)), options_(options), floor_(revision), head_(revision) {}

void WatchHub::Publish(std::vector<Event> events, int64_t revision) {
  std::vector<std::shared_ptr<Signal>> to_wake;
  {
    absl::MutexLock lock(&mu_);
    size_t first = window_.size();
    for (Event& event : events) {
      window_bytes_ += EventBytes(event);
      window_.push_back(std::move(event));
    }
    head_ = std::max(head_, revision);
    // One pass over the subscribers per commit; a subscriber is woken when
    // one of the new events is under its prefix.
    for (const std::shared_ptr<Subscriber>& subscriber : subscribers_) {
      for (size_t i = first; i < window_.size(); ++i) {
        if (absl::StartsWith(window_[i].kv.key, subscriber->prefix)) {
          to_wake.push_back(subscriber->signal);
          break;
        }
      }
    }
    Evict();
  }
  // Outside the hub's lock: a stream woken here takes it to read the window.
  for (const std::shared_ptr<Signal>& signal : to_wake) signal->Notify();
}

void WatchHub::Evict() {
  while (!window_.empty() &&
         (window_.size() > options_.window_events || window_bytes_ > options_.window_bytes)) {
    window_bytes_ -= EventBytes(window_.front());
    floor_ = window_.front().kv.mod_revision;
    window_.pop_front();
  }
  if (window_.empty()) floor_ = head_;
}

WatchStreamPtr WatchHub::Open(std::string prefix, int64_t after_revision,
                              std::function<void()> on_ready) {
  auto subscriber = std::make_shared<Subscriber>(
      Subscriber{std::move(prefix), std::make_shared<Signal>(std::move(on_ready))});
  {
    absl::MutexLock lock(&mu_);
    subscribers_.insert(subscriber);
  }
  return std::make_unique<Stream>(shared_from_this(), std::move(subscriber), after_revision);
}

void WatchHub::Unsubscribe(const std::shared_ptr<Subscriber>& subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

void WatchHub::Close() {
  std::vector<std::shared_ptr<Signal>> to_wake;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (const std::shared_ptr<Subscriber>& subscriber : subscribers_) {
      to_wake.push_back(subscriber->signal);
    }
  }
  for (const std::shared_ptr<Signal>& signal : to_wake) signal->Notify();
}

int64_t WatchHub::revision() const {
  absl::ReaderMutexLock lock(&mu_);
  return head_;
}

size_t WatchHub::stream_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace sluice::store
