// The agent keeps an engine in step with a file of objects.
#include "control/agent/agent.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dataplane/reference/reference_engine.h"

namespace sluice::agent {
namespace {

constexpr char kOneService[] = R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {clusterIP: 10.96.0.10, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.1.5]}]
ports: [{port: 8080, protocol: TCP}]
)";

class AgentTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::unique_ptr<Agent> MakeAgent() {
    NodeConfig node;
    node.node_addresses = {*IpAddress::Parse("192.168.1.10")};
    return std::make_unique<Agent>(&engine_, std::make_unique<FileObjectSource>(path_),
                                   NodeInfo{"node-a", ""}, node);
  }
  std::string path_ = ::testing::TempDir() + "agent_objects.yaml";
  ReferenceEngine engine_;
};

TEST_F(AgentTest, AppliesTheFileAndOnlyWhenItChanges) {
  Write(kOneService);
  auto agent = MakeAgent();
  ASSERT_TRUE(agent->Start().ok());
  EXPECT_EQ(*agent->SyncOnce(), true);
  EXPECT_EQ(agent->stats().services, 1u);
  EXPECT_EQ(*agent->SyncOnce(), false);
  Write(std::string(kOneService) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec: {clusterIP: 10.96.0.11, ports: [{port: 443}]}
)");
  EXPECT_EQ(*agent->SyncOnce(), true);
  EXPECT_EQ(agent->stats().services, 2u);
}

TEST_F(AgentTest, ABadFileKeepsTheLastGoodStateAndSaysWhy) {
  Write(kOneService);
  auto agent = MakeAgent();
  ASSERT_TRUE(agent->Start().ok());
  ASSERT_TRUE(agent->SyncOnce().ok());
  Write("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 0}]}\n");
  auto r = agent->SyncOnce();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("agent_objects.yaml"), std::string::npos) << r.status();
  EXPECT_EQ(agent->stats().services, 1u);
  EXPECT_EQ(engine_.ReadState()->services.size(), 1u);
}

TEST_F(AgentTest, ARestartedAgentAdoptsWhatTheEngineHolds) {
  Write(kOneService);
  {
    auto agent = MakeAgent();
    ASSERT_TRUE(agent->Start().ok());
    ASSERT_TRUE(agent->SyncOnce().ok());
  }
  uint32_t id = engine_.ReadState()->services[0].id;
  auto agent = MakeAgent();
  ASSERT_TRUE(agent->Start().ok());
  ASSERT_TRUE(agent->SyncOnce().ok());
  auto state = engine_.ReadState();
  ASSERT_EQ(state->services.size(), 1u);
  EXPECT_EQ(state->services[0].id, id);
  EXPECT_EQ(state->backends.size(), 1u);
}

}  // namespace
}  // namespace sluice::agent
