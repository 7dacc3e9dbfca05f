// Where the agent's Kubernetes objects come from. Today a file (the format of
// `sluice replay`); the next step is a watch on the API server, behind the
// same interface.
#ifndef SLUICE_CONTROL_AGENT_OBJECT_SOURCE_H_
#define SLUICE_CONTROL_AGENT_OBJECT_SOURCE_H_

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "control/k8s/objects.h"

namespace sluice::agent {

class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // The objects if they changed since the last call (the first call always
  // returns them), nullopt if not. An error leaves the agent on what it has.
  virtual absl::StatusOr<std::optional<k8s::Objects>> Poll() = 0;
};

// Reads a file when its contents change.
class FileObjectSource : public ObjectSource {
 public:
  explicit FileObjectSource(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<std::optional<k8s::Objects>> Poll() override;

 private:
  std::string path_;
  std::optional<std::string> last_;  // contents last loaded successfully or not
};

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_OBJECT_SOURCE_H_
