// Helpers for the model tests: objects written as short YAML snippets, and
// expected frontends and backends.
#ifndef SLUICE_CONTROL_AGENT_MODEL_TEST_UTIL_H_
#define SLUICE_CONTROL_AGENT_MODEL_TEST_UTIL_H_

#include <string>
#include <vector>

#include "control/agent/model.h"
#include "control/k8s/objects.h"
#include "gtest/gtest.h"

namespace sluice::agent {

inline const NodeInfo kNode = {"node-a", "zone-a"};

inline std::vector<ServicePort> Model(const std::string& yaml, const NodeInfo& node = kNode) {
  absl::StatusOr<k8s::Objects> objects = k8s::LoadObjectsText(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status();
  if (!objects.ok()) return {};
  absl::StatusOr<std::vector<ServicePort>> model = BuildServiceModel(*objects, node);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *model : std::vector<ServicePort>{};
}

inline IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}

inline Frontend Fe(FrontendKind kind, const char* address, uint16_t port,
                   Protocol protocol = Protocol::kTCP) {
  return Frontend{kind, Ip(address), Ip(address).family(), port, protocol};
}

inline Frontend AnyNodeAddress(IpFamily family, uint16_t port) {
  return Frontend{FrontendKind::kNodePort, std::nullopt, family, port, Protocol::kTCP};
}

inline Backend Be(const char* address, uint16_t port) {
  Backend backend;
  backend.address = Ip(address);
  backend.port = port;
  return backend;
}

// A Service "shop/web" with `spec` (flow YAML) and `extra` top-level YAML.
inline std::string Service(const std::string& spec, const std::string& extra = "",
                           const std::string& annotations = "{}") {
  return "kind: Service\nmetadata: {name: web, namespace: shop, annotations: " + annotations +
         "}\nspec: " + spec + "\n" + extra + "---\n";
}

// An EndpointSlice of shop/web named `name` with `fields` (block YAML).
inline std::string Slice(const std::string& name, const std::string& fields,
                         const std::string& service = "web", const std::string& ns = "shop") {
  return "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\nmetadata: {name: " + name +
         ", namespace: " + ns + ", labels: {kubernetes.io/service-name: " + service + "}}\n" +
         fields + "\n---\n";
}

inline constexpr char kWebClusterIp[] = "{clusterIP: 10.96.0.7, ports: [{name: http, port: 80}]}";
inline constexpr char kHttpPort[] = "ports: [{name: http, port: 8080}]\n";

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_MODEL_TEST_UTIL_H_
