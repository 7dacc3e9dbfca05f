// Runs every packet fixture (tests/fixtures/*.yaml) through the reference engine.
#include <gtest/gtest.h>

#include "dataplane/reference/reference_engine.h"
#include "tests/packet/fixture.h"

namespace sluice::testing {
namespace {

class ReferenceFixtureEngine : public FixtureEngine {
 public:
  Engine* engine() override { return &engine_; }
  lb_result Process(std::vector<uint8_t>& packet, lb_hook hook) override {
    return engine_.Process(packet, hook);
  }
  void AdvanceTime(uint64_t ns) override { engine_.SetTimeNs(engine_.time_ns() + ns); }

 private:
  ReferenceEngine engine_;
};

class ReferenceFixture : public ::testing::TestWithParam<FixtureParam> {};

TEST_P(ReferenceFixture, MatchesExpectedVerdictAndBytes) {
  auto s = RunFixtureCase(*GetParam().fixture, *GetParam().c,
                          [] { return std::make_unique<ReferenceFixtureEngine>(); });
  EXPECT_TRUE(s.ok()) << s.message();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReferenceFixture,
                         ::testing::ValuesIn(AllFixtureCases(FIXTURE_DIR)),
                         [](const auto& info) { return FixtureCaseName(info.param, info.index); });

TEST(ReferenceFixtures, AreLoadedAndNotEmpty) {
  auto f = LoadFixtureDir(getenv("FIXTURE_DIR") ? getenv("FIXTURE_DIR") : FIXTURE_DIR);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_GE(AllFixtureCases(FIXTURE_DIR).size(), 20u);
}

}  // namespace
}  // namespace sluice::testing
