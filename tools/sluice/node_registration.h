// The Node objects of a `sluice up` cluster, written straight into the
// server's store through the API server's own handler (the same defaulting
// and validation as kubectl's writes): each node with its InternalIP, pod
// CIDR and a Ready condition that says whether its agent runs.
#ifndef SLUICE_TOOLS_SLUICE_NODE_REGISTRATION_H_
#define SLUICE_TOOLS_SLUICE_NODE_REGISTRATION_H_

#include <string>

#include "absl/status/status.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/store/store.h"
#include "tools/sluice/node_network.h"

namespace sluice {

class NodeRegistration {
 public:
  // `store` outlives this.
  explicit NodeRegistration(store::Store* store);

  // Creates the Node, or (left by an earlier run on the same data directory)
  // updates its addresses and status. `ready`: the Ready condition's status,
  // "True", "False" or "Unknown", for `reason`.
  absl::Status Register(const NodeLayout& node, const std::string& ready, const std::string& reason,
                        const std::string& message);

 private:
  apiserver::ResourceRegistry registry_;
  apiserver::ResourceHandler handler_;
  const apiserver::ResourceType* nodes_;
};

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_NODE_REGISTRATION_H_
