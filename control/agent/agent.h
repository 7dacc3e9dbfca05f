// The node agent: keeps an Engine in step with the Kubernetes objects of an
// ObjectSource. It knows nothing of how the engine reaches packets (the
// `sluice agent` command loads the BPF engine and attaches it).
#ifndef SLUICE_CONTROL_AGENT_AGENT_H_
#define SLUICE_CONTROL_AGENT_AGENT_H_

#include <memory>

#include "absl/status/status.h"
#include "control/agent/model.h"
#include "control/agent/object_source.h"
#include "dataplane/service_table.h"

namespace sluice::agent {

class Agent {
 public:
  Agent(Engine* engine, std::unique_ptr<ObjectSource> source, NodeInfo node_info,
        NodeConfig node_config)
      : table_(engine),
        source_(std::move(source)),
        node_info_(std::move(node_info)),
        node_config_(std::move(node_config)) {}

  // Takes over what the engine holds from an earlier run, then sets the node.
  absl::Status Start();

  // Applies the source's objects if they changed. Returns whether anything
  // was applied. A bad file is an error and leaves the last good state.
  absl::StatusOr<bool> SyncOnce();

  const ServiceTable::Stats& stats() const { return table_.stats(); }

 private:
  ServiceTable table_;
  std::unique_ptr<ObjectSource> source_;
  NodeInfo node_info_;
  NodeConfig node_config_;
};

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_AGENT_H_
