// The BPF programs' clock (jiffies scaled by the loader's sync program, see
// struct lb_clock) must read what user space reads (BpfEngine::ClockNs): the
// agent's conntrack sweep compares the programs' expiry times with it.
#include <arpa/inet.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "bench/frames.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/conntrack_gc.h"
#include "dataplane/service_table.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

constexpr uint64_t kSecond = 1'000'000'000ull;
// Both clocks move on the kernel's tick (at most 10 ms at HZ=100); allow two.
constexpr uint64_t kSlack = 20'000'000ull;

class BpfClock : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "BPF_PROG_TEST_RUN needs root; the suite runs as root in CI";
    auto e = BpfEngine::Create({});
    ASSERT_TRUE(e.ok()) << e.status();
    engine_ = std::move(*e);
    table_ = std::make_unique<ServiceTable>(engine_.get());
    node_.node_addresses = {*IpAddress::Parse("192.168.1.10")};
    ASSERT_TRUE(table_->SetNode(node_).ok());
    ServicePort p;
    p.name = "default/web:http";
    Frontend f;
    f.address = *IpAddress::Parse("10.96.0.10");
    f.port = 80;
    p.frontends.push_back(f);
    Backend b;
    b.address = *IpAddress::Parse("10.244.1.5");
    b.port = 8080;
    p.backends.push_back(b);
    ASSERT_TRUE(table_->Apply({p}).ok());
  }

  // Opens a TCP flow from a new client port; returns its forward entry's expiry.
  uint64_t OpenFlow(uint16_t sport) {
    auto syn = bench::TcpFrame(0x0b000001, sport, 0x0a60000a, 80, 0x02);
    auto r = engine_->TestRun(syn, LB_HOOK_EXTERNAL);
    EXPECT_TRUE(r.ok()) << r.status();
    uint64_t expires = 0;
    // A match that keeps everything: reads the entries without removing any.
    auto read = engine_->FlushConntrack([&](const lb_ct_key& k, const lb_ct_entry& e) {
      if (k.sport == htons(sport) && !(e.flags & LB_CT_F_REPLY)) expires = e.expires_ns;
      return false;
    });
    EXPECT_TRUE(read.ok()) << read.status();
    EXPECT_NE(expires, 0u) << "no conntrack entry for the flow";
    return expires;
  }

  std::unique_ptr<BpfEngine> engine_;
  std::unique_ptr<ServiceTable> table_;
  NodeConfig node_;
};

TEST_F(BpfClock, ProgramsReadTheUserSpaceClock) {
  uint64_t before = BpfEngine::ClockNs();
  uint64_t expires = OpenFlow(40000);
  uint64_t after = BpfEngine::ClockNs();
  uint64_t syn_timeout = node_.tcp_syn_timeout_s * kSecond;
  EXPECT_GE(expires + kSlack, before + syn_timeout);
  EXPECT_LE(expires, after + syn_timeout + kSlack);
}

TEST_F(BpfClock, AdvanceMovesTheProgramsClockAndSyncResetsIt) {
  engine_->AdvanceClock(3600 * kSecond);
  uint64_t moved = OpenFlow(40001);
  uint64_t now = BpfEngine::ClockNs();
  uint64_t syn_timeout = node_.tcp_syn_timeout_s * kSecond;
  EXPECT_GE(moved + kSlack, now + 3600 * kSecond + syn_timeout - kSlack);
  ASSERT_TRUE(engine_->SyncClock().ok());
  uint64_t synced = OpenFlow(40002);
  EXPECT_LE(synced, BpfEngine::ClockNs() + syn_timeout + kSlack);
}

TEST_F(BpfClock, SweepExpiresByTheSameClock) {
  OpenFlow(40003);
  uint64_t now = BpfEngine::ClockNs();
  auto kept = ExpireConntrack(*engine_, now);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(*kept, 0u) << "a flow just opened was swept";
  auto gone = ExpireConntrack(*engine_, now + node_.tcp_syn_timeout_s * kSecond + kSecond);
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(*gone, 2u) << "both directions of the flow expire";
}

}  // namespace
}  // namespace sluice
