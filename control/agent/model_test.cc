#include "control/agent/model.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "control/agent/model_test_util.h"
#include "control/k8s/objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(BuildServiceModel, ClusterIpServiceHasItsAddressAndEndpoints) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp) +
      Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.5]}, {addresses: [10.244.0.4]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model[0].name, "shop/web:http");
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80)));
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 8080), Be("10.244.0.5", 8080)));
  EXPECT_EQ(model[0].algorithm, Algorithm::kMaglev);
  EXPECT_EQ(model[0].maglev_table_size, kDefaultMaglevTableSize);
  EXPECT_FALSE(model[0].session_affinity);
}

TEST(BuildServiceModel, OnePortPerServicePortSortedByName) {
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 10.96.0.7, ports: [{name: z, port: 80}, {name: a, port: 81}]}") +
            "kind: Service\nmetadata: {name: api, namespace: shop}\n"
            "spec: {clusterIP: 10.96.0.8, ports: [{port: 443}]}\n");
  ASSERT_EQ(model.size(), 3u);
  EXPECT_EQ(model[0].name, "shop/api:");
  EXPECT_EQ(model[1].name, "shop/web:a");
  EXPECT_EQ(model[2].name, "shop/web:z");
  EXPECT_EQ(model[2].frontends[0].port, 80);
}

TEST(BuildServiceModel, NodePortServiceListensOnEveryNodeAddress) {
  std::vector<ServicePort> model =
      Model(Service("{type: NodePort, clusterIP: 10.96.0.7, ports: [{name: http, port: 80, "
                    "nodePort: 30080}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80),
                                              AnyNodeAddress(IpFamily::kV4, 30080)));
}

TEST(BuildServiceModel, NodePortOfAClusterIpServiceIsNotOpened) {
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 10.96.0.7, ports: [{name: http, port: 80, nodePort: 30080}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80)));
}

constexpr char kLoadBalancerStatus[] = R"(status:
  loadBalancer:
    ingress:
    - {ip: 203.0.113.10}
    - {ip: 203.0.113.11, ipMode: Proxy}
    - {hostname: lb.example.com}
    - {ip: "2001:db8::10"}
)";

TEST(BuildServiceModel, LoadBalancerServiceAddsItsVipIngressIps) {
  std::vector<ServicePort> model =
      Model(Service("{type: LoadBalancer, clusterIP: 10.96.0.7, ports: [{name: http, port: 80, "
                    "nodePort: 30080}]}",
                    kLoadBalancerStatus));
  ASSERT_EQ(model.size(), 1u);
  // Proxy-mode and hostname-only ingress are skipped, and so is the IPv6 ingress
  // of an IPv4-only service.
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80),
                                              AnyNodeAddress(IpFamily::kV4, 30080),
                                              Fe(FrontendKind::kLoadBalancer, "203.0.113.10", 80)));
}

TEST(BuildServiceModel, LoadBalancerWithoutNodePortsHasNoNodePortFrontend) {
  std::vector<ServicePort> model =
      Model(Service("{type: LoadBalancer, allocateLoadBalancerNodePorts: false, clusterIP: "
                    "10.96.0.7, ports: [{name: http, port: 80}]}",
                    kLoadBalancerStatus));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80),
                                              Fe(FrontendKind::kLoadBalancer, "203.0.113.10", 80)));
}

TEST(BuildServiceModel, IngressIpsOfANonLoadBalancerServiceAreIgnored) {
  std::vector<ServicePort> model = Model(Service(kWebClusterIp, kLoadBalancerStatus));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80)));
}

TEST(BuildServiceModel, ExternalIpsOfTheServicesFamiliesBecomeFrontends) {
  std::vector<ServicePort> model = Model(Service(
      "{clusterIP: 10.96.0.7, externalIPs: [192.0.2.1, '2001:db8::1'], ports: [{name: http, "
      "port: 80}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80),
                                              Fe(FrontendKind::kExternalIP, "192.0.2.1", 80)));
}

TEST(BuildServiceModel, HeadlessServiceProducesNothing) {
  EXPECT_THAT(Model(Service("{clusterIP: None, ports: [{name: http, port: 80}]}") +
                    Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                                       "endpoints: [{addresses: [10.244.0.4]}]")),
              IsEmpty());
}

TEST(BuildServiceModel, ExternalNameServiceProducesNothing) {
  EXPECT_THAT(Model(Service("{type: ExternalName, externalName: db.example.com, clusterIP: "
                            "10.96.0.7, ports: [{name: http, port: 80}]}")),
              IsEmpty());
}

TEST(BuildServiceModel, ServiceWithoutClusterIpProducesNothing) {
  EXPECT_THAT(Model(Service("{type: NodePort, ports: [{name: http, port: 80, nodePort: 30080}]}")),
              IsEmpty());
}

TEST(BuildServiceModel, DualStackServiceHasFrontendsAndBackendsOfBothFamilies) {
  std::vector<ServicePort> model = Model(
      Service("{type: NodePort, clusterIPs: [10.96.0.7, 'fd00:96::7'], ipFamilies: [IPv4, IPv6], "
              "ports: [{name: http, port: 80, nodePort: 30080}]}") +
      Slice("web-v4", std::string("addressType: IPv4\n") + kHttpPort +
                          "endpoints: [{addresses: [10.244.0.4]}]") +
      Slice("web-v6", std::string("addressType: IPv6\n") + kHttpPort +
                          "endpoints: [{addresses: ['fd00:244::4']}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].frontends, ElementsAre(Fe(FrontendKind::kClusterIP, "10.96.0.7", 80),
                                              Fe(FrontendKind::kClusterIP, "fd00:96::7", 80),
                                              AnyNodeAddress(IpFamily::kV4, 30080),
                                              AnyNodeAddress(IpFamily::kV6, 30080)));
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 8080), Be("fd00:244::4", 8080)));
}

TEST(BuildServiceModel, ExternalTrafficPolicyLocalAppliesToExternallyReachableServices) {
  std::vector<ServicePort> node_port = Model(Service(
      "{type: NodePort, externalTrafficPolicy: Local, clusterIP: 10.96.0.7, ports: [{name: http, "
      "port: 80, nodePort: 30080}]}"));
  ASSERT_EQ(node_port.size(), 1u);
  EXPECT_EQ(node_port[0].external_policy, TrafficPolicy::kLocal);

  std::vector<ServicePort> external_ip = Model(Service(
      "{externalTrafficPolicy: Local, clusterIP: 10.96.0.7, externalIPs: [192.0.2.1], ports: "
      "[{name: http, port: 80}]}"));
  ASSERT_EQ(external_ip.size(), 1u);
  EXPECT_EQ(external_ip[0].external_policy, TrafficPolicy::kLocal);
}

TEST(BuildServiceModel, ExternalTrafficPolicyOfAnInternalOnlyServiceIsIgnored) {
  std::vector<ServicePort> model = Model(Service(
      "{externalTrafficPolicy: Local, clusterIP: 10.96.0.7, ports: [{name: http, port: 80}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model[0].external_policy, TrafficPolicy::kCluster);
}

TEST(BuildServiceModel, InternalTrafficPolicyLocalIsPassed) {
  std::vector<ServicePort> model = Model(Service(
      "{internalTrafficPolicy: Local, clusterIP: 10.96.0.7, ports: [{name: http, port: 80}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model[0].internal_policy, TrafficPolicy::kLocal);
}

TEST(BuildServiceModel, ClientIpAffinityCarriesItsTimeout) {
  std::vector<ServicePort> model = Model(
      Service("{sessionAffinity: ClientIP, sessionAffinityConfig: {clientIP: {timeoutSeconds: "
              "600}}, clusterIP: 10.96.0.7, ports: [{name: http, port: 80}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_TRUE(model[0].session_affinity);
  EXPECT_EQ(model[0].affinity_timeout_s, 600u);
}

TEST(BuildServiceModel, ClientIpAffinityDefaultsToThreeHours) {
  std::vector<ServicePort> model = Model(Service(
      "{sessionAffinity: ClientIP, clusterIP: 10.96.0.7, ports: [{name: http, port: 80}]}"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_TRUE(model[0].session_affinity);
  EXPECT_EQ(model[0].affinity_timeout_s, 10800u);
}

TEST(BuildServiceModel, SluiceAnnotationsSetAlgorithmTableSizeAndWeights) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp, "",
              "{sluice.dev/lb-algorithm: random, sluice.dev/maglev-table-size: '251', "
              "sluice.dev/weights: '10.244.0.4=5'}") +
      Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.4]}, {addresses: [10.244.0.5]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model[0].algorithm, Algorithm::kRandom);
  EXPECT_EQ(model[0].maglev_table_size, 251u);
  ASSERT_EQ(model[0].backends.size(), 2u);
  EXPECT_EQ(model[0].backends[0].weight, 5u);
  EXPECT_EQ(model[0].backends[1].weight, 1u);
}

TEST(BuildServiceModel, InvalidAnnotationIsAnErrorNamingServiceAndAnnotation) {
  absl::StatusOr<k8s::Objects> objects = k8s::LoadObjectsText(
      Service(kWebClusterIp, "", "{sluice.dev/lb-algorithm: fastest}"), "test.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  absl::StatusOr<std::vector<ServicePort>> model = BuildServiceModel(*objects, kNode);
  EXPECT_EQ(model.status().message(),
            "Service shop/web: metadata.annotations[\"sluice.dev/lb-algorithm\"]: \"fastest\" is "
            "not one of maglev, round-robin, random");
}

TEST(BuildServiceModel, ServiceDefinedTwiceByOtherCodeIsAnError) {
  absl::StatusOr<k8s::Objects> objects = k8s::LoadObjectsText(Service(kWebClusterIp), "test.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  objects->services.push_back(objects->services[0]);
  EXPECT_FALSE(BuildServiceModel(*objects, kNode).ok());
}

TEST(BuildServiceModel, SampleClusterGivesOneEntryPerProxiedPort) {
  const char* dir = std::getenv("TESTDATA");
  absl::StatusOr<k8s::Objects> objects = k8s::LoadObjectsFile(
      std::string(dir != nullptr ? dir : "control/k8s/testdata") + "/objects.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  absl::StatusOr<std::vector<ServicePort>> model =
      BuildServiceModel(*objects, NodeInfo{"kind-worker", "zone-a"});
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<std::string> names;
  for (const ServicePort& port : *model) names.push_back(port.name);
  EXPECT_THAT(
      names, ElementsAre("default/kubernetes:https", "ingress-nginx/ingress-nginx-controller:http",
                         "ingress-nginx/ingress-nginx-controller:https", "kube-system/kube-dns:dns",
                         "kube-system/kube-dns:dns-tcp", "kube-system/kube-dns:metrics",
                         "monitoring/grafana:service", "shop/api:grpc", "shop/cart:http",
                         "shop/web:http"));
  const ServicePort& api = (*model)[7];
  EXPECT_EQ(api.algorithm, Algorithm::kRoundRobin);
  EXPECT_EQ(api.frontends.size(), 6u);  // 2 cluster IPs, 2 node ports, 2 ingress IPs
  EXPECT_EQ(api.backends.size(), 4u);
  EXPECT_EQ(api.external_policy, TrafficPolicy::kLocal);
  const ServicePort& web = (*model)[9];
  EXPECT_EQ(web.backends.size(), 3u);
  EXPECT_EQ(web.backends[0].weight, 3u);
  EXPECT_TRUE(web.backends[0].node_local);
  EXPECT_TRUE(web.session_affinity);
  EXPECT_EQ(web.affinity_timeout_s, 600u);
}

}  // namespace
}  // namespace sluice::agent
