// Leader election on a Lease through the API server's handler on a real
// SQLite store, with short durations: one candidate of two leads, a clean stop
// hands over at once, and a leader that finds another holder stops.
#include "control/controllers/leader_election.h"

#include <atomic>
#include <memory>

#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

class LeaderElectionTest : public StoreTest {
 protected:
  struct Candidate {
    std::atomic<int> started{0}, stopped{0};
    std::unique_ptr<LeaderElector> elector;
  };

  void Run(Candidate& c, const std::string& identity) {
    c.elector = std::make_unique<LeaderElector>(
        handler_.get(), &registry_,
        LeaderElectionConfig{.identity = identity,
                             .lease_duration = absl::Seconds(2),
                             .renew_deadline = absl::Seconds(1),
                             .retry_period = absl::Milliseconds(100)},
        [&c] { ++c.started; }, [&c] { ++c.stopped; });
    c.elector->Start();
  }

  apiserver::ResourcePath Lease() {
    return {.type = registry_.Find("coordination.k8s.io", "v1", "leases"),
            .ns = "kube-system",
            .name = "sluice-controller-manager"};
  }
  std::string Holder() {
    auto lease = handler_->Get(Lease());
    return lease.ok() ? (*lease)["spec"].value("holderIdentity", "") : "";
  }
};

TEST_F(LeaderElectionTest, OneOfTwoLeadsAndACleanStopHandsOverAtOnce) {
  Candidate one, two;
  Run(one, "one");
  ASSERT_TRUE(WaitFor([&] { return one.elector->leading(); }));
  Run(two, "two");
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(two.elector->leading());
  EXPECT_EQ(Holder(), "one");
  one.elector->Stop();
  EXPECT_EQ(one.stopped.load(), 1);
  // Given up, not expired: well within the 2 s lease.
  ASSERT_TRUE(WaitFor([&] { return two.elector->leading(); }, absl::Milliseconds(1500)));
  EXPECT_EQ(Holder(), "two");
  auto lease = handler_->Get(Lease());
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(two.started.load(), 1);
  two.elector->Stop();
}

TEST_F(LeaderElectionTest, ALeaderThatFindsAnotherHolderStops) {
  Candidate one;
  Run(one, "one");
  ASSERT_TRUE(WaitFor([&] { return one.elector->leading(); }));
  // Again if a renewal comes between the read and the write.
  ASSERT_TRUE(WaitFor([&] {
    auto lease = handler_->Get(Lease());
    if (!lease.ok()) return false;
    (*lease)["spec"]["holderIdentity"] = "intruder";
    return handler_->Update(Lease(), *lease).ok();
  }));
  ASSERT_TRUE(WaitFor([&] { return !one.elector->leading(); }, absl::Seconds(1)));
  EXPECT_EQ(one.stopped.load(), 1);
  one.elector->Stop();
  EXPECT_EQ(Holder(), "intruder") << "only its own lease is given up";
}

}  // namespace
}  // namespace sluice::controllers
