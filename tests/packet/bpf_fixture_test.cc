// Runs every packet fixture through the BPF programs with BPF_PROG_TEST_RUN:
// the XDP programs and the tc ingress programs must each give the verdict,
// drop reason and bytes the fixtures (and so the reference engine) give.
// Needs root (CI runs as root).
#include <gtest/gtest.h>
#include <unistd.h>

#include "dataplane/bpf/bpf_engine.h"
#include "tests/packet/fixture.h"

namespace sluice::testing {
namespace {

BpfEngine* SharedEngine() {
  // Loading verifies the programs; do it once and empty the maps per case.
  static BpfEngine* engine = [] {
    auto e = BpfEngine::Create({});
    if (!e.ok()) {
      ADD_FAILURE() << "loading the BPF programs: " << e.status();
      return static_cast<BpfEngine*>(nullptr);
    }
    return e->release();
  }();
  return engine;
}

enum class Attachment { kXdp, kTc };

class BpfFixtureEngine : public FixtureEngine {
 public:
  BpfFixtureEngine(BpfEngine* e, Attachment at) : engine_(e), at_(at) {
    auto s = engine_->ResetMaps();
    if (!s.ok()) ADD_FAILURE() << s;
  }
  Engine* engine() override { return engine_; }
  lb_result Process(std::vector<uint8_t>& packet, lb_hook hook) override {
    auto r = at_ == Attachment::kXdp
                 ? engine_->TestRun(packet, hook)
                 : engine_->TestRunTc(packet, hook == LB_HOOK_LOCAL
                                                  ? BpfEngine::TcProgram::kIngressLocal
                                                  : BpfEngine::TcProgram::kIngressExternal);
    if (!r.ok()) {
      ADD_FAILURE() << r.status();
      return lb_result{};
    }
    return *r;
  }
  void AdvanceTime(uint64_t ns) override { engine_->AdvanceClock(ns); }
  bool CanReceive(const std::vector<uint8_t>& frame) const override {
    if (frame.size() < 14) return false;
    if (at_ == Attachment::kXdp) return true;
    // BPF_PROG_TEST_RUN builds no socket buffer around an IP header cut
    // short (EINVAL); the XDP run of the same fixture covers those frames.
    uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
    if (type == 0x0800) return frame.size() >= 14 + 20;
    if (type == 0x86dd) return frame.size() >= 14 + 40;
    return true;
  }

 private:
  BpfEngine* engine_;
  Attachment at_;
};

void RunCase(const FixtureParam& param, Attachment at) {
  ASSERT_EQ(geteuid(), 0u) << "BPF_PROG_TEST_RUN needs root; the suite runs as root in CI";
  BpfEngine* e = SharedEngine();
  ASSERT_NE(e, nullptr);
  auto s = RunFixtureCase(*param.fixture, *param.c,
                          [e, at] { return std::make_unique<BpfFixtureEngine>(e, at); });
  EXPECT_TRUE(s.ok()) << s.message();
}

class BpfFixture : public ::testing::TestWithParam<FixtureParam> {};

TEST_P(BpfFixture, XdpMatchesExpectedVerdictAndBytes) {
  RunCase(GetParam(), Attachment::kXdp);
}

TEST_P(BpfFixture, TcMatchesExpectedVerdictAndBytes) {
  RunCase(GetParam(), Attachment::kTc);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BpfFixture, ::testing::ValuesIn(AllFixtureCases(FIXTURE_DIR)),
                         [](const auto& info) { return FixtureCaseName(info.param, info.index); });

}  // namespace
}  // namespace sluice::testing
