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

struct Param {
  const Fixture* fixture;
  const FixtureCase* c;
};

void PrintTo(const Param& p, std::ostream* os) {
  *os << p.c->file << ": " << p.c->name;
}

std::vector<Fixture>& AllFixtures() {
  static std::vector<Fixture> fixtures = [] {
    auto f = LoadFixtureDir(getenv("FIXTURE_DIR") ? getenv("FIXTURE_DIR") : FIXTURE_DIR);
    if (!f.ok()) {
      ADD_FAILURE() << f.status();
      return std::vector<Fixture>{};
    }
    return *f;
  }();
  return fixtures;
}

std::vector<Param> AllCases() {
  std::vector<Param> out;
  for (const Fixture& f : AllFixtures())
    for (const FixtureCase& c : f.cases) out.push_back({&f, &c});
  return out;
}

class ReferenceFixture : public ::testing::TestWithParam<Param> {};

TEST_P(ReferenceFixture, MatchesExpectedVerdictAndBytes) {
  auto s = RunFixtureCase(*GetParam().fixture, *GetParam().c,
                          [] { return std::make_unique<ReferenceFixtureEngine>(); });
  EXPECT_TRUE(s.ok()) << s.message();
}

std::string CaseName(const ::testing::TestParamInfo<Param>& info) {
  std::string n = info.param.c->file + "_" + info.param.c->name;
  for (char& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReferenceFixture, ::testing::ValuesIn(AllCases()), CaseName);

TEST(ReferenceFixtures, AreLoadedAndNotEmpty) {
  auto f = LoadFixtureDir(getenv("FIXTURE_DIR") ? getenv("FIXTURE_DIR") : FIXTURE_DIR);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_GE(AllCases().size(), 20u);
}

}  // namespace
}  // namespace sluice::testing
