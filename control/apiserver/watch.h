// ?watch=1: a chunked stream of {"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR,
// "object": ...} lines from the store's watch, filtered by the selectors, as
// Tables when the client asked for them.
//
// resourceVersion unset or "0" starts with a synthetic ADDED for each current
// object; a compacted resourceVersion is 410 Gone (HTTP status when known
// before the stream starts, else an ERROR event with a 410 Status, which is
// what Kubernetes sends and client-go handles).
#ifndef SLUICE_CONTROL_APISERVER_WATCH_H_
#define SLUICE_CONTROL_APISERVER_WATCH_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/apiserver/http_types.h"
#include "control/apiserver/resource_handler.h"
#include "control/store/store.h"

namespace sluice::apiserver {

// The lines of recent events as a watch without selectors or Tables sends
// them, shared by every such watch of one server: with many watchers an event
// is decoded and encoded once, not once per watcher. One per store (a key
// and its mod revision name one event).
class WatchLines {
 public:
  struct Line {
    absl::Mutex mu;
    bool made ABSL_GUARDED_BY(mu) = false;
    std::string text;  // written once, under mu; read after `made`
  };
  // The line of `event` of `type`, made by `make` ("" when hidden) by the
  // first watcher that asks; the others wait for it.
  std::shared_ptr<const Line> Get(const ResourceType* type, const store::Event& event,
                                  const std::function<std::string()>& make);

 private:
  using Key = std::tuple<const ResourceType*, std::string, int64_t>;
  static constexpr size_t kKept = 4096;
  absl::Mutex mu_;
  std::map<Key, std::shared_ptr<Line>> lines_ ABSL_GUARDED_BY(mu_);
  std::deque<Key> order_ ABSL_GUARDED_BY(mu_);  // oldest first, for eviction
};

struct WatchConfig {
  // How often an idle stream checks for a departed client or a shutdown.
  absl::Duration poll = absl::Seconds(1);
  absl::Duration bookmark_interval = absl::Seconds(30);
  // Without ?timeoutSeconds a watch ends after this, as Kubernetes' default.
  absl::Duration default_timeout = absl::Minutes(30);
  // Optional: shares event lines among watches (see WatchLines).
  std::shared_ptr<WatchLines> shared_lines;
};

HttpResponse ServeWatch(store::Store* store, const ResourcePath& path, const HttpRequest& request,
                        const WatchConfig& config, std::function<absl::Time()> clock);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_WATCH_H_
