// The agent's model: from Services and EndpointSlices to the dataplane's
// desired state, with Kubernetes semantics as kube-proxy implements them.
#ifndef SLUICE_CONTROL_AGENT_MODEL_H_
#define SLUICE_CONTROL_AGENT_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/k8s/objects.h"
#include "dataplane/service_model.h"

namespace sluice::agent {

// The node this agent runs on.
struct NodeInfo {
  std::string node_name;  // compared with endpoints' nodeName
  // topology.kubernetes.io/zone of the node. Unused by the model for now:
  // ServicePort carries no topology hints for it to be compared with.
  std::string zone;
};

// One ServicePort per (Service, port), sorted by name ("namespace/name:port").
//
// Frontends: every cluster IP; for NodePort and LoadBalancer services the
// nodePort on every node address of each of the service's families; for
// LoadBalancer services the ingress IPs of status.loadBalancer; externalIPs.
// Headless and ExternalName services, and services without a cluster IP yet,
// produce nothing (kube-proxy's ShouldSkipService).
//
// Backends: every endpoint of the service's EndpointSlices for that port, with
// its conditions, whether or not it is ready. Choosing which endpoints receive
// traffic (ready first, serving-and-terminating as a fallback, node-local only
// for Local policies) is the service table's job, so that it can change its
// choice without a new model.
//
// Fails, naming the Service, when a sluice.dev/ annotation is invalid (see
// sluice_annotations.h).
absl::StatusOr<std::vector<ServicePort>> BuildServiceModel(const k8s::Objects& objects,
                                                           const NodeInfo& node);

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_MODEL_H_
