// Runs every packet fixture through the BPF programs with BPF_PROG_TEST_RUN:
// the XDP program must give the verdict, drop reason and bytes the fixtures
// (and so the reference engine) give. Needs root (CI runs as root).
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

class BpfFixtureEngine : public FixtureEngine {
 public:
  explicit BpfFixtureEngine(BpfEngine* e) : engine_(e) {
    auto s = engine_->ResetMaps();
    if (!s.ok()) ADD_FAILURE() << s;
  }
  Engine* engine() override { return engine_; }
  lb_result Process(std::vector<uint8_t>& packet, lb_hook hook) override {
    auto r = engine_->TestRun(packet, hook);
    if (!r.ok()) {
      ADD_FAILURE() << r.status();
      return lb_result{};
    }
    return *r;
  }
  void AdvanceTime(uint64_t ns) override { engine_->AdvanceClock(ns); }
  bool CanReceive(const std::vector<uint8_t>& frame) const override { return frame.size() >= 14; }

 private:
  BpfEngine* engine_;
};

class BpfFixture : public ::testing::TestWithParam<FixtureParam> {};

TEST_P(BpfFixture, XdpMatchesExpectedVerdictAndBytes) {
  ASSERT_EQ(geteuid(), 0u) << "BPF_PROG_TEST_RUN needs root; the suite runs as root in CI";
  BpfEngine* e = SharedEngine();
  ASSERT_NE(e, nullptr);
  auto s = RunFixtureCase(*GetParam().fixture, *GetParam().c,
                          [e] { return std::make_unique<BpfFixtureEngine>(e); });
  EXPECT_TRUE(s.ok()) << s.message();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BpfFixture, ::testing::ValuesIn(AllFixtureCases(FIXTURE_DIR)),
                         [](const auto& info) { return FixtureCaseName(info.param, info.index); });

}  // namespace
}  // namespace sluice::testing
