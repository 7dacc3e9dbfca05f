#include "tools/sluice/node_network.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

ClusterLayout Layout(const std::string& name, int nodes) {
  return {.name = name, .nodes = nodes, .cgroup_root = "/cg"};
}

TEST(PlanNodes, NodeIGetsTheIthSlash30AndTheIthPodSlash24) {
  auto nodes = PlanNodes(Layout("dev", 2));
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 2u);
  const NodeLayout& n = (*nodes)[1];
  EXPECT_EQ(n.node_name, "dev-node1");
  EXPECT_EQ(n.netns, "sluice-dev-node1");
  EXPECT_EQ(n.host_iface, "sl-dev-1");
  EXPECT_EQ(n.host_address, "198.18.0.5");
  EXPECT_EQ(n.node_address, "198.18.0.6");
  EXPECT_EQ(n.pod_cidr, "10.244.1.0/24");
  EXPECT_EQ(n.pod_gateway, "10.244.1.1");
  EXPECT_EQ(n.pod_network, "10.244.0.0/16");
  EXPECT_EQ(n.cgroup, "/cg/sluice-dev-node1");
  EXPECT_EQ(n.pin_dir, "/sys/fs/bpf/sluice/dev-node1");
}

TEST(PlanNodes, TheLongestNameStillMakesAnInterfaceNameOfFifteen) {
  auto nodes = PlanNodes(Layout("abcdefghi", 16));
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(nodes->back().host_iface, "sl-abcdefghi-15");
  EXPECT_EQ(nodes->back().host_iface.size(), 15u);
}

TEST(PlanNodes, RejectsNamesThatCouldMatchAnotherClusterOrAnInterface) {
  for (const char* bad : {"", "Dev", "1dev", "dev-", "abcdefghij", "a.b", "a_b", "a/b"})
    EXPECT_FALSE(PlanNodes(Layout(bad, 1)).ok()) << bad;
}

TEST(PlanNodes, RejectsNetworksTooSmallMisalignedOrNotIpv4) {
  ClusterLayout l = Layout("dev", 2);
  l.node_network = "198.18.0.0/30";  // room for one node
  EXPECT_FALSE(PlanNodes(l).ok());
  l.node_network = "198.18.0.1/24";
  EXPECT_FALSE(PlanNodes(l).ok());
  l.node_network = "fd00::/64";
  EXPECT_FALSE(PlanNodes(l).ok());
  l.node_network = "198.18.0.0/24";
  l.pod_network = "10.244.0.0/24";  // one /24: one node
  EXPECT_FALSE(PlanNodes(l).ok());
  l.nodes = 0;
  EXPECT_FALSE(PlanNodes(l).ok());
}

}  // namespace
}  // namespace sluice
