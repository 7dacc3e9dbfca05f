#include "control/store/etcd_watch.h"

#include <algorithm>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"

namespace sluice::store::etcd {

// Receives the responses of one Watch call. It keeps itself alive until gRPC
// is done with it (OnDone), which may be after the stream let go of it.
class EtcdWatchStream::Reactor
    : public grpc::ClientBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse> {
 public:
  Reactor(etcdserverpb::WatchRequest create, std::function<void()> on_ready)
      : create_(std::move(create)), on_ready_(std::move(on_ready)) {}

  void Start(std::shared_ptr<Reactor> self, etcdserverpb::Watch::Stub* stub) {
    self_ = std::move(self);
    // Waits for a connection (etcd restarting) instead of failing at once;
    // Open() bounds the wait.
    context_.set_wait_for_ready(true);
    stub->async()->Watch(&context_, this);
    StartWrite(&create_);
    StartRead(&incoming_);
    StartCall();
  }

  // Ends the call (OnDone follows, with Cancelled).
  void TryCancel() { context_.TryCancel(); }

  // Ends the call and waits for OnDone, after which gRPC calls nothing of ours
  // (on_ready included).
  void Cancel() {
    context_.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

  // Waits until etcd created the watch. Fails when the call ended first or
  // `timeout` passed.
  grpc::Status AwaitCreated(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto created_or_done = [this]()
                               ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return created_ || done_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&created_or_done), timeout)) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          absl::StrCat("not created within ", absl::FormatDuration(timeout)));
    }
    if (created_) return grpc::Status::OK;
    return EndStatus();
  }

  // Waits up to `timeout` for responses; moves them into `out`. Returns the
  // call's final status once it ended and every response was taken.
  grpc::Status Wait(absl::Duration timeout, std::deque<etcdserverpb::WatchResponse>& out) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    out.swap(queue_);
    return out.empty() && done_ ? EndStatus() : grpc::Status::OK;
  }

  void OnWriteDone(bool /*ok*/) override {}

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the call is ending: OnDone follows
    {
      absl::MutexLock lock(&mu_);
      // A created response carries nothing for Next() unless it is a refusal.
      if (incoming_.created()) created_ = true;
      if (!incoming_.created() || incoming_.canceled()) queue_.push_back(std::move(incoming_));
    }
    incoming_.Clear();
    if (on_ready_) on_ready_();
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<Reactor> self = std::move(self_);  // freed on return, if last
    if (on_ready_) on_ready_();  // before done_: never after the stream is gone
    absl::MutexLock lock(&mu_);
    final_ = status;
    done_ = true;
  }

 private:
  // Why the call ended: etcd ending a watch without an error is an error too.
  grpc::Status EndStatus() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return final_.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcd ended the watch")
                       : final_;
  }

  grpc::ClientContext context_;
  etcdserverpb::WatchRequest create_;
  etcdserverpb::WatchResponse incoming_;  // only gRPC's reading touches it
  const std::function<void()> on_ready_;
  std::shared_ptr<Reactor> self_;

  absl::Mutex mu_;
  std::deque<etcdserverpb::WatchResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool created_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<WatchStreamPtr> EtcdWatchStream::Open(
    etcdserverpb::Watch::Stub* stub, const Keyspace& keyspace, const WatchOptions& options,
    int64_t after_revision, absl::Duration create_timeout, EtcdWatchSet& set) {
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest& create = *request.mutable_create_request();
  auto [first, end] = keyspace.PrefixRange(options.prefix);
  create.set_key(std::move(first));
  create.set_range_end(std::move(end));
  create.set_start_revision(after_revision + 1);
  create.set_prev_kv(true);
  create.set_progress_notify(true);
  auto reactor = std::make_shared<Reactor>(std::move(request), options.on_ready);
  reactor->Start(reactor, stub);
  set.Add(reactor);
  // The stream owns the reactor from here on: it cancels the call if we fail.
  std::unique_ptr<EtcdWatchStream> stream(new EtcdWatchStream(reactor, keyspace, after_revision));
  if (grpc::Status created = reactor->AwaitCreated(create_timeout); !created.ok()) {
    return FromGrpc(created, "Watch");
  }
  return stream;
}

EtcdWatchStream::EtcdWatchStream(std::shared_ptr<Reactor> reactor, const Keyspace& keyspace,
                                 int64_t after_revision)
    : reactor_(std::move(reactor)), keyspace_(keyspace), delivered_(after_revision) {}

EtcdWatchStream::~EtcdWatchStream() {
  reactor_->Cancel();
}

absl::StatusOr<WatchResponse> EtcdWatchStream::Next(absl::Duration timeout) {
  if (!error_.ok()) return error_;
  std::deque<etcdserverpb::WatchResponse> responses;
  grpc::Status status = reactor_->Wait(timeout, responses);
  if (!status.ok()) {
    error_ = FromGrpc(status, "Watch");
    return error_;
  }
  WatchResponse out;
  for (const etcdserverpb::WatchResponse& response : responses) {
    if (!Take(response, out)) break;
  }
  // Events first; a failure that came after them is returned by the next call.
  if (!error_.ok() && out.events.empty()) return error_;
  out.revision = delivered_;
  return out;
}

bool EtcdWatchStream::Take(const etcdserverpb::WatchResponse& response, WatchResponse& out) {
  if (response.compact_revision() != 0) {
    error_ = CompactedError(delivered_, response.compact_revision());
    return false;
  }
  if (response.canceled()) {
    error_ =
        absl::CancelledError(absl::StrCat("etcd canceled the watch: ", response.cancel_reason()));
    return false;
  }
  if (response.events_size() == 0) {
    // Progress: etcd sends it only to a watch that has caught up, so every
    // change up to the header's revision has been delivered.
    if (!response.created()) delivered_ = std::max(delivered_, response.header().revision());
    return true;
  }
  // etcd delivers each revision once, in order, and a revision's events (one
  // transaction's) in one response; this keeps the promise even if it did not.
  const int64_t before = delivered_;
  for (const mvccpb::Event& event : response.events()) {
    if (event.kv().mod_revision() <= before) continue;
    Event& added = out.events.emplace_back(
        Event{.type = event.type() == mvccpb::Event::DELETE ? EventType::kDelete : EventType::kPut,
              .kv = keyspace_.FromEtcd(event.kv())});
    if (event.has_prev_kv()) added.prev_kv = keyspace_.FromEtcd(event.prev_kv());
    delivered_ = std::max(delivered_, event.kv().mod_revision());
  }
  return true;
}

void EtcdWatchSet::Add(std::weak_ptr<EtcdWatchStream::Reactor> call) {
  absl::MutexLock lock(&mu_);
  std::erase_if(calls_, [](const auto& c) { return c.expired(); });
  calls_.push_back(std::move(call));
}

void EtcdWatchSet::CancelAll() {
  absl::MutexLock lock(&mu_);
  for (const auto& call : calls_) {
    if (std::shared_ptr<EtcdWatchStream::Reactor> live = call.lock()) live->TryCancel();
  }
  calls_.clear();
}

}  // namespace sluice::store::etcd
