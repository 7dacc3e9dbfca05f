// Services and EndpointSlices from the Kubernetes API server: lists both
// across namespaces, then watches both from the lists' resourceVersions, each
// on its own thread, and keeps the current set of objects for Poll().
//
// - 410 Gone (an ERROR event or the watch's status): relists at once.
// - A dropped connection or a failed request: relists after a backoff
//   (200 ms doubling to 10 s); a watch the server ends in time is resumed from
//   the last resourceVersion.
// - Until a relist completes the last good set stays in place, so the agent
//   keeps its dataplane while the API server is unreachable.
// - An object the parsers reject is logged and skipped (kind_cache.h).
#ifndef SLUICE_CONTROL_AGENT_API_OBJECT_SOURCE_H_
#define SLUICE_CONTROL_AGENT_API_OBJECT_SOURCE_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "control/agent/api_client.h"
#include "control/agent/kind_cache.h"
#include "control/agent/kubeconfig.h"
#include "control/agent/object_source.h"

namespace sluice::agent {

struct ApiObjectSourceOptions {
  // Where skipped objects and connection trouble are reported.
  std::function<void(const std::string&)> log;
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{10000};
  // The server ends each watch after this long; it is then resumed.
  int watch_timeout_seconds = 300;
};

class ApiObjectSource : public ObjectSource {
 public:
  // Starts listing and watching at once.
  ApiObjectSource(ApiEndpoint endpoint, ApiObjectSourceOptions options = {});
  ~ApiObjectSource() override;
  ApiObjectSource(const ApiObjectSource&) = delete;
  ApiObjectSource& operator=(const ApiObjectSource&) = delete;

  // Unavailable until both kinds have been listed once; then the objects when
  // anything changed since the last call (the first call returns them).
  absl::StatusOr<std::optional<k8s::Objects>> Poll() override;

 private:
  struct Resource {
    const char* kind;
    const char* path;  // the collection across namespaces
    std::unique_ptr<ApiClient> client;
    std::unique_ptr<KindCache> cache;  // guarded by mu_
    bool listed = false;               // guarded by mu_
    std::thread thread;
  };

  void Run(Resource& r);
  absl::Status List(Resource& r);
  absl::Status Watch(Resource& r);
  void Log(const std::string& message);

  const std::string server_;
  ApiObjectSourceOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool changed_ = true;
  std::string last_error_;
  Resource services_, slices_;
};

// LoadKubeconfig, then an ApiObjectSource on it.
absl::StatusOr<std::unique_ptr<ApiObjectSource>> ApiObjectSourceFromKubeconfig(
    const std::string& path, ApiObjectSourceOptions options = {});

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_API_OBJECT_SOURCE_H_
