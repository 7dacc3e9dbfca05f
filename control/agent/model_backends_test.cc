// Which endpoints become backends of which service port, and with what.
#include <string>
#include <vector>

#include "control/agent/model.h"
#include "control/agent/model_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(BuildServiceModel, UnnamedServicePortTakesTheUnnamedSlicePort) {
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 10.96.0.7, ports: [{port: 80}]}") +
            Slice("web-1",
                  "addressType: IPv4\nports: [{name: metrics, port: 9090}, {port: 8080}]\n"
                  "endpoints: [{addresses: [10.244.0.4]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 8080)));
}

TEST(BuildServiceModel, NamedTargetPortResolvesThroughTheSlicePort) {
  // Two slices: pods of two versions that expose the named port "web" on different numbers.
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 10.96.0.7, ports: [{name: http, port: 80, targetPort: web}]}") +
            Slice("web-v1",
                  "addressType: IPv4\nports: [{name: http, port: 8080}]\n"
                  "endpoints: [{addresses: [10.244.0.4]}]") +
            Slice("web-v2",
                  "addressType: IPv4\nports: [{name: http, port: 9090}]\n"
                  "endpoints: [{addresses: [10.244.0.5]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 8080), Be("10.244.0.5", 9090)));
}

TEST(BuildServiceModel, SlicePortMustHaveTheServicePortsProtocol) {
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 10.96.0.10, ports: [{name: dns, port: 53, protocol: UDP}]}") +
            Slice("dns-1",
                  "addressType: IPv4\nports: [{name: dns, port: 5353, protocol: TCP}, "
                  "{name: dns, port: 53, protocol: UDP}]\n"
                  "endpoints: [{addresses: [10.244.0.4]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_EQ(model[0].frontends[0].protocol, Protocol::kUDP);
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 53)));
}

TEST(BuildServiceModel, SlicePortWithoutNumberGivesNoBackends) {
  std::vector<ServicePort> model =
      Model(Service(kWebClusterIp) + Slice("web-1",
                                           "addressType: IPv4\nports: [{name: http}]\n"
                                           "endpoints: [{addresses: [10.244.0.4]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, IsEmpty());
}

TEST(BuildServiceModel, SlicesOfOtherServicesNamespacesOrFqdnAreNotUsed) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp) +
      Slice(
          "other",
          std::string("addressType: IPv4\n") + kHttpPort + "endpoints: [{addresses: [10.244.0.1]}]",
          "api") +
      Slice(
          "elsewhere",
          std::string("addressType: IPv4\n") + kHttpPort + "endpoints: [{addresses: [10.244.0.2]}]",
          "web", "other-ns") +
      Slice("names", std::string("addressType: FQDN\n") + kHttpPort +
                         "endpoints: [{addresses: [web.example.com]}]") +
      "kind: EndpointSlice\nmetadata: {name: unlabelled, namespace: shop}\naddressType: IPv4\n" +
      kHttpPort + "endpoints: [{addresses: [10.244.0.3]}]\n");
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, IsEmpty());
}

TEST(BuildServiceModel, SingleStackServiceIgnoresEndpointsOfTheOtherFamily) {
  std::vector<ServicePort> model =
      Model(Service("{clusterIP: 'fd00:96::7', ports: [{name: http, port: 80}]}") +
            Slice("web-v4", std::string("addressType: IPv4\n") + kHttpPort +
                                "endpoints: [{addresses: [10.244.0.4]}]") +
            Slice("web-v6", std::string("addressType: IPv6\n") + kHttpPort +
                                "endpoints: [{addresses: ['fd00:244::4']}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, ElementsAre(Be("fd00:244::4", 8080)));
}

TEST(BuildServiceModel, OnlyTheFirstAddressOfAnEndpointIsUsed) {
  std::vector<ServicePort> model =
      Model(Service(kWebClusterIp) + Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                                                        "endpoints: [{addresses: [10.244.0.4, "
                                                        "10.244.0.5]}]"));
  ASSERT_EQ(model.size(), 1u);
  EXPECT_THAT(model[0].backends, ElementsAre(Be("10.244.0.4", 8080)));
}

std::vector<Backend> BackendsWithConditions(const std::string& conditions) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp) +
      Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.4], conditions: " + conditions + "}]"));
  return model.empty() ? std::vector<Backend>{} : model[0].backends;
}

TEST(BuildServiceModel, AbsentConditionsMeanReadyServingAndNotTerminating) {
  std::vector<Backend> backends = BackendsWithConditions("{}");
  ASSERT_EQ(backends.size(), 1u);
  EXPECT_TRUE(backends[0].ready);
  EXPECT_TRUE(backends[0].serving);
  EXPECT_FALSE(backends[0].terminating);
}

TEST(BuildServiceModel, AbsentServingFollowsReady) {
  std::vector<Backend> backends = BackendsWithConditions("{ready: false}");
  ASSERT_EQ(backends.size(), 1u);
  EXPECT_FALSE(backends[0].ready);
  EXPECT_FALSE(backends[0].serving);
}

TEST(BuildServiceModel, TerminatingServingEndpointIsPassedWithItsConditions) {
  std::vector<Backend> backends =
      BackendsWithConditions("{ready: false, serving: true, terminating: true}");
  ASSERT_EQ(backends.size(), 1u);
  EXPECT_FALSE(backends[0].ready);
  EXPECT_TRUE(backends[0].serving);
  EXPECT_TRUE(backends[0].terminating);
}

TEST(BuildServiceModel, EndpointInTwoSlicesIsOneBackendFromTheFirstSlice) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp) +
      Slice("web-b", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.4], conditions: {ready: false}}]") +
      Slice("web-a", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.4], conditions: {ready: true}}, "
                         "{addresses: [10.244.0.5]}]"));
  ASSERT_EQ(model.size(), 1u);
  ASSERT_EQ(model[0].backends.size(), 2u);
  EXPECT_EQ(model[0].backends[0].address, Ip("10.244.0.4"));
  EXPECT_TRUE(model[0].backends[0].ready);  // from web-a, first by name
}

TEST(BuildServiceModel, DuplicateEndpointPrefersTheNodeLocalCopy) {
  std::vector<ServicePort> model =
      Model(Service(kWebClusterIp) +
            Slice("web-a", std::string("addressType: IPv4\n") + kHttpPort +
                               "endpoints: [{addresses: [10.244.0.4], nodeName: node-b}]") +
            Slice("web-b", std::string("addressType: IPv4\n") + kHttpPort +
                               "endpoints: [{addresses: [10.244.0.4], nodeName: node-a}]"));
  ASSERT_EQ(model.size(), 1u);
  ASSERT_EQ(model[0].backends.size(), 1u);
  EXPECT_TRUE(model[0].backends[0].node_local);
}

TEST(BuildServiceModel, EndpointOnThisNodeIsNodeLocalAndKeepsItsZone) {
  std::vector<ServicePort> model = Model(
      Service(kWebClusterIp) +
      Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                         "endpoints: [{addresses: [10.244.0.4], nodeName: node-a, zone: zone-a}, "
                         "{addresses: [10.244.1.4], nodeName: node-b, zone: zone-b}, "
                         "{addresses: [10.244.2.4]}]"));
  ASSERT_EQ(model.size(), 1u);
  ASSERT_EQ(model[0].backends.size(), 3u);
  EXPECT_TRUE(model[0].backends[0].node_local);
  EXPECT_EQ(model[0].backends[0].zone, "zone-a");
  EXPECT_FALSE(model[0].backends[1].node_local);
  EXPECT_EQ(model[0].backends[1].zone, "zone-b");
  EXPECT_FALSE(model[0].backends[2].node_local);
}

TEST(BuildServiceModel, AgentWithoutNodeNameHasNoLocalEndpoints) {
  std::vector<ServicePort> model =
      Model(Service(kWebClusterIp) + Slice("web-1", std::string("addressType: IPv4\n") + kHttpPort +
                                                        "endpoints: [{addresses: [10.244.0.4]}]"),
            NodeInfo{});
  ASSERT_EQ(model.size(), 1u);
  EXPECT_FALSE(model[0].backends[0].node_local);
}

}  // namespace
}  // namespace sluice::agent
