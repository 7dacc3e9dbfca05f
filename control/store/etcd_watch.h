// One store watch as one etcd Watch stream, on gRPC's callback API: gRPC's
// threads receive the responses and queue them, so a watch costs no thread of
// its own and on_ready fits an event loop.
#ifndef SLUICE_CONTROL_STORE_ETCD_WATCH_H_
#define SLUICE_CONTROL_STORE_ETCD_WATCH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/store/etcd_codec.h"
#include "control/store/store.h"
#include "rpc.grpc.pb.h"

namespace sluice::store::etcd {

class EtcdWatchSet;

class EtcdWatchStream : public WatchStream {
 public:
  // Opens a watch of the keys under `options.prefix` for the changes after
  // `after_revision` (> 0), and returns once etcd has created it, so that every
  // later write reaches it. `set` (the store's) can end it.
  static absl::StatusOr<WatchStreamPtr> Open(etcdserverpb::Watch::Stub* stub,
                                             const Keyspace& keyspace, const WatchOptions& options,
                                             int64_t after_revision, absl::Duration create_timeout,
                                             EtcdWatchSet& set);
  ~EtcdWatchStream() override;

  absl::StatusOr<WatchResponse> Next(absl::Duration timeout) override;

 private:
  friend class EtcdWatchSet;
  class Reactor;

  EtcdWatchStream(std::shared_ptr<Reactor> reactor, const Keyspace& keyspace,
                  int64_t after_revision);
  // Takes one etcd response into `out`; false once the watch has failed.
  bool Take(const etcdserverpb::WatchResponse& response, WatchResponse& out);

  std::shared_ptr<Reactor> reactor_;
  Keyspace keyspace_;
  int64_t delivered_;   // every change up to this revision has been returned
  absl::Status error_;  // sticky
};

// The open watches of one store, so that closing the store ends them, as the
// Store interface has it: their Next() then fails with Cancelled.
class EtcdWatchSet {
 public:
  void Add(std::weak_ptr<EtcdWatchStream::Reactor> call);
  void CancelAll();

 private:
  absl::Mutex mu_;
  std::vector<std::weak_ptr<EtcdWatchStream::Reactor>> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::store::etcd

#endif  // SLUICE_CONTROL_STORE_ETCD_WATCH_H_
