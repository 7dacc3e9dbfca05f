// The BPF programs' IPv4 conntrack table (struct lb_ct4_bucket): flows whose
// keys crowd one bucket still find their entries in the second one, a full
// pair of buckets gives up the entry that expires first (and counts it), and
// the sweep from user space leaves the table consistent. Real programs, run
// with BPF_PROG_TEST_RUN; keys chosen by the table's own hash.
#include <arpa/inet.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "bench/frames.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/conntrack_gc.h"
#include "dataplane/service_table.h"
#include "gtest/gtest.h"

extern "C" {
#include "dataplane/core/lb_hash.h"
}

namespace sluice {
namespace {

constexpr uint32_t kVip = 0x0a60000a;  // 10.96.0.10
constexpr uint64_t kSecond = 1'000'000'000ull;

struct Client {
  uint32_t addr;  // host order
  uint16_t port;
};

uint32_t ForwardHash(const Client& c) {
  return lb_ct4_hash_of(htonl(c.addr), htonl(kVip), htons(c.port), htons(80), IPPROTO_TCP);
}

// `n` clients whose forward keys share one primary bucket.
std::vector<Client> CrowdedClients(size_t n, uint32_t* bucket) {
  std::vector<Client> out;
  *bucket = lb_ct4_primary(ForwardHash({0x0b000001, 20000}));
  for (uint32_t addr = 0x0b000001; out.size() < n; ++addr)
    for (uint32_t port = 20000; port < 60000 && out.size() < n; ++port)
      if (lb_ct4_primary(ForwardHash({addr, static_cast<uint16_t>(port)})) == *bucket)
        out.push_back({addr, static_cast<uint16_t>(port)});
  return out;
}

class BpfCt4Table : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "BPF_PROG_TEST_RUN needs root; the suite runs as root in CI";
    auto e = BpfEngine::Create({});
    ASSERT_TRUE(e.ok()) << e.status();
    engine_ = std::move(*e);
    table_ = std::make_unique<ServiceTable>(engine_.get());
    NodeConfig node;
    node.node_addresses = {*IpAddress::Parse("192.168.1.10")};
    ASSERT_TRUE(table_->SetNode(node).ok());
    ServicePort p;
    p.name = "default/web:http";
    p.algorithm = Algorithm::kRoundRobin;
    Frontend f;
    f.address = IpAddress::FromV4(kVip);
    f.port = 80;
    p.frontends.push_back(f);
    for (const char* a : {"10.244.1.5", "10.244.1.6", "10.244.1.7"}) {
      Backend b;
      b.address = *IpAddress::Parse(a);
      b.port = 8080;
      p.backends.push_back(b);
    }
    ASSERT_TRUE(table_->Apply({p}).ok());
  }

  // Sends one packet of the client's flow; returns the backend address it was
  // sent to (0 unless forwarded).
  uint32_t Send(const Client& c, uint8_t flags) {
    auto frame = bench::TcpFrame(c.addr, c.port, kVip, 80, flags);
    auto r = engine_->TestRun(frame, LB_HOOK_EXTERNAL);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->verdict != LB_VERDICT_FORWARD) return 0;
    uint32_t daddr;
    std::memcpy(&daddr, &frame[30], 4);
    return ntohl(daddr);
  }

  uint64_t Counter(uint32_t slot) { return engine_->Counters()[slot]; }

  std::unique_ptr<BpfEngine> engine_;
  std::unique_ptr<ServiceTable> table_;
};

TEST_F(BpfCt4Table, FlowsCrowdingOneBucketKeepTheirBackends) {
  uint32_t bucket;
  std::vector<Client> clients = CrowdedClients(2 * LB_CT4_WAYS, &bucket);
  std::vector<uint32_t> backend;
  for (const Client& c : clients) backend.push_back(Send(c, 0x02));
  auto table = engine_->MapCt4Table();
  ASSERT_TRUE(table.ok()) << table.status();
  // The primary's ways hold eight; the rest sit in their second buckets.
  EXPECT_GE(table->bucket(bucket).displaced, LB_CT4_WAYS);
  // Round-robin: a new flow would move on; a tracked one stays put.
  uint64_t hits = Counter(LB_CNT_CT_HIT);
  for (size_t i = 0; i < clients.size(); ++i) {
    ASSERT_NE(backend[i], 0u) << "SYN " << i << " not forwarded";
    EXPECT_EQ(Send(clients[i], 0x10), backend[i]) << "flow " << i << " changed backend";
  }
  EXPECT_EQ(Counter(LB_CNT_CT_HIT) - hits, clients.size());
  EXPECT_EQ(Counter(LB_CNT_CT_EVICTED), 0u);
}

TEST_F(BpfCt4Table, TheSweepEmptiesTheTableAndItsDisplacedCounts) {
  uint32_t bucket;
  std::vector<Client> clients = CrowdedClients(LB_CT4_WAYS + 4, &bucket);
  for (const Client& c : clients) ASSERT_NE(Send(c, 0x02), 0u);
  auto gone = ExpireConntrack(*engine_, BpfEngine::ClockNs() + 3600 * kSecond);
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(*gone, 2 * clients.size()) << "forward and reply entries of every flow";
  auto table = engine_->MapCt4Table();
  ASSERT_TRUE(table.ok()) << table.status();
  uint32_t displaced = 0, live = 0;
  for (uint32_t i = 0; i < LB_CT4_BUCKETS; ++i) {
    displaced += table->bucket(i).displaced;
    for (uint32_t t : table->bucket(i).tags) live += t != LB_CT4_TAG_EMPTY;
  }
  EXPECT_EQ(live, 0u);
  EXPECT_EQ(displaced, 0u);
}

TEST_F(BpfCt4Table, AFullPairOfBucketsGivesUpTheEntryThatExpiresFirst) {
  Client c{0x0b000001, 20000};
  uint32_t h = ForwardHash(c);
  auto table = engine_->MapCt4Table();
  ASSERT_TRUE(table.ok()) << table.status();
  // Every way of both buckets live with far expiry times, the primary's way 5
  // the soonest of all.
  uint64_t far = BpfEngine::ClockNs() + 3600 * kSecond;
  for (uint32_t index : {lb_ct4_primary(h), lb_ct4_secondary(h)}) {
    lb_ct4_bucket& b = table->bucket(index);
    for (uint32_t w = 0; w < LB_CT4_WAYS; ++w) {
      lb_ct4_slot& s = b.slots[w];
      std::memset(&s, 0, sizeof(s));
      s.key.saddr = htonl(0x0c000000 + index * LB_CT4_WAYS + w);  // keys of no packet here
      s.key.daddr = htonl(kVip);
      s.key.sport = htons(1000);
      s.key.dport = htons(80);
      s.key.proto = IPPROTO_TCP;
      s.entry.expires_ns = far + w * kSecond;
      if (index == lb_ct4_primary(h) && w == 5) s.entry.expires_ns = far - kSecond;
      b.tags[w] = lb_ct4_tag(lb_ct4_hash(&s.key));  // not their real buckets: never looked up
    }
  }
  uint32_t backend = Send(c, 0x02);
  ASSERT_NE(backend, 0u);
  EXPECT_GE(Counter(LB_CNT_CT_EVICTED), 1u);
  lb_ct4_bucket& primary = table->bucket(lb_ct4_primary(h));
  EXPECT_EQ(ntohl(primary.slots[5].key.saddr), c.addr) << "the soonest-expiring way was taken";
  EXPECT_EQ(primary.tags[5], lb_ct4_tag(h));
  EXPECT_EQ(Send(c, 0x10), backend) << "the new flow is tracked";
}

}  // namespace
}  // namespace sluice
