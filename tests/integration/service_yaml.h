// The objects the integration tests apply with kubectl: a NodePort Service
// "web" without a selector, and the EndpointSlice the test writes for it.
#ifndef SLUICE_TESTS_INTEGRATION_SERVICE_YAML_H_
#define SLUICE_TESTS_INTEGRATION_SERVICE_YAML_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/testserver.h"

namespace sluice::netns {

// default/web: port `port` (TCP, named "t") to kTestPort on `node_port`.
inline std::string WebNodePortService(int port, int node_port) {
  return absl::StrCat(R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  ports: [{name: t, port: )",
                      port, ", targetPort: ", kTestPort, ", nodePort: ", node_port,
                      ", protocol: TCP}]\n");
}

// default/web-1, the slice of web: `addresses` (IPv4) on `node_name`, port kTestPort.
inline std::string WebEndpointSlice(const std::vector<std::string>& addresses,
                                    const std::string& node_name) {
  std::string eps;
  for (const std::string& a : addresses)
    eps += absl::StrCat("- {addresses: [\"", a, "\"], nodeName: ", node_name, "}\n");
  return absl::StrCat(R"(apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: t, port: )",
                      kTestPort, R"(, protocol: TCP}]
endpoints:
)",
                      eps);
}

}  // namespace sluice::netns

#endif  // SLUICE_TESTS_INTEGRATION_SERVICE_YAML_H_
