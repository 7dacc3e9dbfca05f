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

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "control/apiserver/http_types.h"
#include "control/apiserver/resource_handler.h"
#include "control/store/store.h"

namespace sluice::apiserver {

struct WatchConfig {
  // How often an idle stream checks for a departed client or a shutdown.
  absl::Duration poll = absl::Seconds(1);
  absl::Duration bookmark_interval = absl::Seconds(30);
  // Without ?timeoutSeconds a watch ends after this, as Kubernetes' default.
  absl::Duration default_timeout = absl::Minutes(30);
};

HttpResponse ServeWatch(store::Store* store, const ResourcePath& path, const HttpRequest& request,
                        const WatchConfig& config, std::function<absl::Time()> clock);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_WATCH_H_
