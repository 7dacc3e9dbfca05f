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
// - An object the parsers reject is logged and skipped: an added one is left
//   out, a modified one keeps its last good version.
#ifndef SLUICE_CONTROL_AGENT_API_OBJECT_SOURCE_H_
#define SLUICE_CONTROL_AGENT_API_OBJECT_SOURCE_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "control/agent/api_client.h"
#include "control/agent/kubeconfig.h"
#include "control/agent/object_source.h"
#include "nlohmann/json_fwd.hpp"

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
  struct Entry {
    std::string json;  // as the server sent it: an unchanged relist is no change
    k8s::Objects parsed;
  };
  struct Resource {
    const char* kind;
    const char* api_version;
    const char* path;  // the collection across namespaces
    std::unique_ptr<ApiClient> client;
    std::map<std::string, Entry> objects;  // by namespace/name; guarded by mu_
    bool listed = false;                   // guarded by mu_
    std::string resource_version;          // the watch thread's own
    std::thread thread;
  };

  void Run(Resource& r);
  absl::Status List(Resource& r);
  absl::Status Watch(Resource& r);
  absl::Status OnEvent(Resource& r, absl::string_view line);
  // Parses one object (kind filled in for list items); an error is logged.
  std::optional<Entry> Parse(const Resource& r, const nlohmann::json& object);
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
