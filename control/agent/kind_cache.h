// One kind's objects (Services or EndpointSlices) as the API server's list and
// watch events leave them. No I/O and no locking: ApiObjectSource feeds it
// under its own lock, and tests feed it lines directly.
#ifndef SLUICE_CONTROL_AGENT_KIND_CACHE_H_
#define SLUICE_CONTROL_AGENT_KIND_CACHE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/k8s/objects.h"
#include "nlohmann/json_fwd.hpp"

namespace sluice::agent {

class KindCache {
 public:
  // `kind` and `api_version` fill in what the items of a list leave out;
  // `log` hears of every object and event skipped.
  KindCache(std::string kind, std::string api_version, std::function<void(const std::string&)> log)
      : kind_(std::move(kind)), api_version_(std::move(api_version)), log_(std::move(log)) {}

  // Replaces every object with a list response's items and takes its
  // resourceVersion. Returns whether any object differs. A body that is not
  // a list is an error and changes nothing.
  absl::StatusOr<bool> ReplaceWithList(absl::string_view body);
  // Applies one line of a watch: ADDED, MODIFIED, DELETED, BOOKMARK. Returns
  // whether the objects changed. An ERROR event is Aborted for 410 Gone (the
  // caller relists) and Unavailable otherwise. A line that is no event, or
  // an object the parsers reject, is logged and skipped: an added object is
  // left out, a modified one keeps its last good version.
  absl::StatusOr<bool> ApplyEvent(absl::string_view line);

  // Appends the objects, ordered by namespace/name.
  void AppendTo(k8s::Objects& out) const;
  const std::string& resource_version() const { return resource_version_; }
  size_t size() const { return objects_.size(); }

 private:
  struct Entry {
    std::string json;  // as parsed: an unchanged object in a relist is no change
    k8s::Objects parsed;
  };
  std::optional<Entry> Parse(const nlohmann::json& object) const;

  std::string kind_, api_version_;
  std::function<void(const std::string&)> log_;
  std::map<std::string, Entry> objects_;  // by namespace/name
  std::string resource_version_;
};

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_KIND_CACHE_H_
