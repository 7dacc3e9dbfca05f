// Behaviour of the packet core and the service table that fixtures cannot
// show well: SNAT port allocation and exhaustion, counters, generations,
// reprogramming only what changed.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "dataplane/conntrack_gc.h"
#include "dataplane/lb_names.h"
#include "dataplane/reference/reference_engine.h"
#include "dataplane/service_table.h"
#include "tests/packet/packet_builder.h"

namespace sluice {
namespace {

IpAddress Ip(const char* s) {
  return *IpAddress::Parse(s);
}

ServicePort NodePortService(std::vector<const char*> backends) {
  ServicePort p;
  p.name = "default/np:http";
  p.frontends.push_back(
      {FrontendKind::kNodePort, std::nullopt, IpFamily::kV4, 30080, Protocol::kTCP});
  for (const char* b : backends) {
    Backend be;
    be.address = Ip(b);
    be.port = 8080;
    p.backends.push_back(be);
  }
  return p;
}

std::vector<uint8_t> Syn(const std::string& src, int sport, const std::string& dst, int dport) {
  YAML::Node spec = YAML::Load("{ipv4: {src: " + src + ", dst: " + dst + "}, tcp: {sport: " +
                               std::to_string(sport) + ", dport: " + std::to_string(dport) + "}}");
  return *testing::BuildPacket(spec);
}

uint16_t SourcePort(const std::vector<uint8_t>& f) {
  return static_cast<uint16_t>(f[34] << 8 | f[35]);
}

// Counts the engine calls the service table makes.
class CountingEngine : public ReferenceEngine {
 public:
  absl::Status UpsertService(uint32_t id, const lb_service& s, const ServiceTables& t) override {
    ++service_writes;
    return ReferenceEngine::UpsertService(id, s, t);
  }
  absl::Status UpsertBackend(uint32_t id, const lb_backend& b) override {
    ++backend_writes;
    return ReferenceEngine::UpsertBackend(id, b);
  }
  int service_writes = 0;
  int backend_writes = 0;
};

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_.node_addresses = {Ip("192.168.1.10")};
    ASSERT_TRUE(table_.SetNode(node_).ok());
  }
  NodeConfig node_;
  CountingEngine engine_;
  ServiceTable table_{&engine_};
};

TEST_F(CoreTest, SnatPortsStayInTheirRangeAndNeverInTheNodePortRange) {
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  for (int i = 0; i < 500; ++i) {
    auto pkt = Syn("203.0.113." + std::to_string(1 + i % 200), 1024 + i, "192.168.1.10", 30080);
    lb_result r = engine_.Process(pkt, LB_HOOK_EXTERNAL);
    ASSERT_EQ(r.verdict, LB_VERDICT_FORWARD);
    uint16_t port = SourcePort(pkt);
    EXPECT_GE(port, node_.snat_port_min);
    EXPECT_LE(port, node_.snat_port_max);
    EXPECT_FALSE(port >= node_.nodeport_min && port <= node_.nodeport_max);
  }
}

TEST_F(CoreTest, SnatExhaustionDropsAndCounts) {
  node_.snat_port_min = 40000;
  node_.snat_port_max = 40001;  // two ports for one backend
  ASSERT_TRUE(table_.SetNode(node_).ok());
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  std::vector<uint8_t> verdicts;
  for (int i = 0; i < 3; ++i) {
    auto pkt = Syn("203.0.113." + std::to_string(i + 1), 5555, "192.168.1.10", 30080);
    lb_result r = engine_.Process(pkt, LB_HOOK_EXTERNAL);
    verdicts.push_back(r.verdict);
    if (i == 2) {
      EXPECT_EQ(r.reason, LB_DROP_SNAT_EXHAUSTED);
    }
  }
  EXPECT_EQ(verdicts,
            (std::vector<uint8_t>{LB_VERDICT_FORWARD, LB_VERDICT_FORWARD, LB_VERDICT_DROP}));
  EXPECT_EQ(engine_.Counters()[DropCounter(LB_DROP_SNAT_EXHAUSTED)], 1u);
  EXPECT_EQ(engine_.Counters()[LB_CNT_DROP], 1u);
}

TEST_F(CoreTest, SnatRangeOverlappingNodePortsIsRefused) {
  node_.snat_port_min = 30000;
  auto s = table_.SetNode(node_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("overlaps the NodePort range"), std::string::npos) << s;
}

TEST_F(CoreTest, ConntrackGcRemovesOnlyExpiredEntries) {
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  auto syn = Syn("203.0.113.1", 1111, "192.168.1.10", 30080);
  ASSERT_EQ(engine_.Process(syn, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_FORWARD);
  engine_.SetTimeNs(engine_.time_ns() + 30'000'000'000ull);
  auto other = Syn("203.0.113.2", 2222, "192.168.1.10", 30080);
  ASSERT_EQ(engine_.Process(other, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_FORWARD);
  // SYN state lives 60 s: at +70 s the first flow (both directions) has
  // expired, the second not.
  auto removed = ExpireConntrack(engine_, engine_.time_ns() + 40'000'000'000ull);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 2u);
  removed = ExpireConntrack(engine_, engine_.time_ns());
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u) << "nothing else has expired yet";
  removed = ExpireConntrack(engine_, engine_.time_ns() + 61'000'000'000ull);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u) << "then the second flow goes too";
}

TEST_F(CoreTest, AOneWayUdpStreamKeepsItsReplyEntry) {
  ServicePort p = NodePortService({"10.244.1.1"});
  p.frontends[0].protocol = Protocol::kUDP;
  ASSERT_TRUE(table_.Apply({p}).ok());
  auto datagram = [](const char* src, int sport, const char* dst, int dport) {
    YAML::Node spec = YAML::Load(std::string("{ipv4: {src: ") + src + ", dst: " + dst +
                                 "}, udp: {sport: " + std::to_string(sport) +
                                 ", dport: " + std::to_string(dport) + "}}");
    return *testing::BuildPacket(spec);
  };
  uint16_t snat_port = 0;
  // The client sends every 20 s for 3 minutes (UDP entries live 60 s) and the
  // backend stays silent; then it answers.
  for (int i = 0; i < 10; ++i) {
    auto pkt = datagram("203.0.113.1", 5353, "192.168.1.10", 30080);
    ASSERT_EQ(engine_.Process(pkt, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_FORWARD);
    snat_port = SourcePort(pkt);
    engine_.SetTimeNs(engine_.time_ns() + 20'000'000'000ull);
    ASSERT_TRUE(ExpireConntrack(engine_, engine_.time_ns()).ok());
  }
  auto reply = datagram("10.244.1.1", 8080, "192.168.1.10", snat_port);
  lb_result r = engine_.Process(reply, LB_HOOK_LOCAL);
  ASSERT_EQ(r.verdict, LB_VERDICT_FORWARD) << "the reply entry expired under a live flow";
  EXPECT_EQ(reply[30], 203) << "the reply goes back to the client";
  EXPECT_EQ(SourcePort(reply), 30080) << "from the node port";
}

TEST_F(CoreTest, EveryVerdictIsCounted) {
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  auto fwd = Syn("203.0.113.1", 1000, "192.168.1.10", 30080);
  auto pass = Syn("203.0.113.1", 1000, "192.168.1.10", 22);
  std::vector<uint8_t> runt = {1, 2, 3};
  engine_.Process(fwd, LB_HOOK_EXTERNAL);
  engine_.Process(pass, LB_HOOK_EXTERNAL);
  engine_.Process(runt, LB_HOOK_EXTERNAL);
  auto c = engine_.Counters();
  EXPECT_EQ(c[LB_CNT_FORWARD], 1u);
  EXPECT_EQ(c[LB_CNT_PASS], 1u);
  EXPECT_EQ(c[DropCounter(LB_DROP_MALFORMED_L2)], 1u);
  EXPECT_EQ(CounterName(DropCounter(LB_DROP_MALFORMED_L2)), "drop:malformed_l2");
}

TEST_F(CoreTest, ChangingBackendsSwapsTheTableGeneration) {
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  uint32_t id = table_.ServiceId("default/np:http", IpFamily::kV4);
  uint8_t gen = engine_.service(id)->gen;
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1", "10.244.1.2"})}).ok());
  EXPECT_EQ(engine_.service(id)->gen, gen ^ 1);
  EXPECT_EQ(engine_.service(id)->table_size[LB_SCOPE_CLUSTER], kDefaultMaglevTableSize);
}

TEST_F(CoreTest, ApplyingTheSameServicesTwiceWritesNothing) {
  auto svc = NodePortService({"10.244.1.1", "10.244.1.2"});
  ASSERT_TRUE(table_.Apply({svc}).ok());
  int services = engine_.service_writes, backends = engine_.backend_writes;
  ASSERT_TRUE(table_.Apply({svc}).ok());
  EXPECT_EQ(engine_.service_writes, services);
  EXPECT_EQ(engine_.backend_writes, backends);
}

TEST_F(CoreTest, RemovingAServiceRemovesItsFrontend) {
  ASSERT_TRUE(table_.Apply({NodePortService({"10.244.1.1"})}).ok());
  ASSERT_TRUE(table_.Apply({}).ok());
  auto pkt = Syn("203.0.113.1", 1000, "192.168.1.10", 30080);
  EXPECT_EQ(engine_.Process(pkt, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_PASS);
  EXPECT_EQ(table_.stats().services, 0u);
}

TEST_F(CoreTest, TwoServicesClaimingOneFrontendKeepTheFirst) {
  auto a = NodePortService({"10.244.1.1"});
  auto b = NodePortService({"10.244.1.2"});
  b.name = "default/other:http";
  ASSERT_TRUE(table_.Apply({a, b}).ok());
  EXPECT_EQ(table_.stats().frontend_conflicts, 1u);
  auto pkt = Syn("203.0.113.1", 1000, "192.168.1.10", 30080);
  engine_.Process(pkt, LB_HOOK_EXTERNAL);
  EXPECT_EQ(pkt[30], 10);
  EXPECT_EQ(pkt[33], 1);  // 10.244.1.1: the first service's backend
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// A restarted agent: a new ServiceTable over maps an earlier one programmed.
TEST(ServiceTableAdopt, ARestartedTableKeepsIdsAndEstablishedFlows) {
  ReferenceEngine engine;
  NodeConfig node;
  node.node_addresses = {Ip("192.168.1.10")};
  auto services = std::vector<ServicePort>{NodePortService({"10.244.1.1", "10.244.1.2"})};
  uint32_t id;
  std::vector<uint8_t> first;
  {
    ServiceTable before(&engine);
    ASSERT_TRUE(before.SetNode(node).ok());
    ASSERT_TRUE(before.Apply(services).ok());
    id = before.ServiceId("default/np:http", IpFamily::kV4);
    first = Syn("203.0.113.1", 1000, "192.168.1.10", 30080);
    ASSERT_EQ(engine.Process(first, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_FORWARD);
  }
  ServiceTable after(&engine);
  ASSERT_TRUE(after.Adopt().ok());
  ASSERT_TRUE(after.SetNode(node).ok());
  // The restarted agent reads a changed file: one more backend.
  services[0].backends.push_back(services[0].backends[0]);
  services[0].backends.back().address = Ip("10.244.1.3");
  ASSERT_TRUE(after.Apply(services).ok());
  EXPECT_EQ(after.ServiceId("default/np:http", IpFamily::kV4), id);
  EXPECT_EQ(after.stats().backends, 3u);
  auto again = Syn("203.0.113.1", 1000, "192.168.1.10", 30080);
  again[47] = 0x10;  // ACK of the same flow
  ASSERT_EQ(engine.Process(again, LB_HOOK_EXTERNAL).verdict, LB_VERDICT_FORWARD);
  EXPECT_EQ(std::vector<uint8_t>(again.begin() + 26, again.begin() + 38),
            std::vector<uint8_t>(first.begin() + 26, first.begin() + 38))
      << "the established flow kept its backend and SNAT port";
}

TEST(ServiceTableAdopt, EntriesOfNoKnownServiceAreRemoved) {
  ReferenceEngine engine;
  lb_backend orphan{};
  orphan.service_id = 999;
  ASSERT_TRUE(engine.UpsertBackend(77, orphan).ok());
  ServiceTable table(&engine);
  ASSERT_TRUE(table.Adopt().ok());
  EXPECT_TRUE(engine.ReadState()->backends.empty());
}

}  // namespace
}  // namespace sluice
