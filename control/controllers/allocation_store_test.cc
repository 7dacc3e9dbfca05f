// Allocation keys through the API server's handler on a real SQLite store:
// they follow each Service, two handlers (two servers) racing never share a
// value, and a repair makes the keys agree with the Services.
#include "control/controllers/allocators/allocation_store.h"

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/controllers/controllers_test_util.h"
#include "control/store/forwarding_store.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using AllocationStore = StoreTest;

std::string Owner(const std::string& name) {
  return absl::StrCat(kServicesPrefix, "default/", name);
}

// Allocation key -> the Service it names.
std::map<std::string, std::string> Recorded(store::Store& store) {
  std::map<std::string, std::string> keys;
  auto list = store.List({.prefix = kAllocationsPrefix});
  EXPECT_TRUE(list.ok()) << list.status();
  if (list.ok())
    for (const store::KeyValue& kv : list->kvs)
      keys[kv.key.substr(sizeof(kAllocationsPrefix) - 1)] = kv.value;
  return keys;
}

TEST_F(AllocationStore, KeysFollowAServiceThroughATypeChangeAndItsDeletion) {
  json service = ServiceJson("web", "NodePort");
  service["spec"]["ports"][0]["nodePort"] = 30080;
  service["spec"]["clusterIP"] = "10.96.1.1";
  ASSERT_TRUE(CreateService(service).ok());
  EXPECT_EQ(Recorded(*store_),
            (std::map<std::string, std::string>{{"clusterips/10.96.1.1", Owner("web")},
                                                {"nodeports/30080", Owner("web")}}));
  auto patched = MergePatchService("web", {{"spec", {{"type", "ClusterIP"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(Recorded(*store_),
            (std::map<std::string, std::string>{{"clusterips/10.96.1.1", Owner("web")}}));
  ASSERT_TRUE(DeleteService("web").ok());
  EXPECT_THAT(Recorded(*store_), IsEmpty());
}

TEST_F(AllocationStore, TwoServersCreatingAtOnceNeverShareAnAddressOrPort) {
  // A second API server: its own recording store and table on the same
  // store, so that each knows the other's values only from the store.
  AllocationRecordingStore second(std::make_unique<store::ForwardingStore>(store_.get()));
  apiserver::ResourceHandler other(&second, &registry_);
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  std::vector<absl::Status> failures(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      apiserver::ResourceHandler& handler = t % 2 == 0 ? *handler_ : other;
      for (int i = 0; i < kPerThread && failures[t].ok(); ++i)
        failures[t] =
            handler.Create(Services(), ServiceJson(absl::StrCat("s", t, "-", i), "NodePort"))
                .status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : failures) ASSERT_TRUE(status.ok()) << status;
  std::set<std::string> ips;
  std::set<int> ports;
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < kPerThread; ++i) {
      json s = GetService(absl::StrCat("s", t, "-", i));
      ips.insert(s["spec"]["clusterIP"].get<std::string>());
      ports.insert(s["spec"]["ports"][0]["nodePort"].get<int>());
    }
  EXPECT_EQ(ips.size(), 4u * kPerThread);
  EXPECT_EQ(ports.size(), 4u * kPerThread);
  EXPECT_EQ(Recorded(*store_).size(), 2u * 4 * kPerThread);
}

TEST_F(AllocationStore, AValueAnotherServerHoldsIsRefusedAndOneItReleasedIsGiven) {
  AllocationRecordingStore second(std::make_unique<store::ForwardingStore>(store_.get()));
  apiserver::ResourceHandler other(&second, &registry_);
  // This server's table is loaded before the other server writes.
  ASSERT_TRUE(CreateService(ServiceJson("first")).ok());
  json held = ServiceJson("held", "NodePort");
  held["spec"]["ports"][0]["nodePort"] = 30093;
  held["spec"]["clusterIP"] = "10.96.2.3";
  ASSERT_TRUE(other.Create(Services(), held).ok());
  held["metadata"]["name"] = "again";
  EXPECT_THAT(ErrorMessage(CreateService(held).status()),
              HasSubstr("provided port is already allocated"));
  ASSERT_TRUE(other.Delete(Services("held")).ok());
  auto again = CreateService(held);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Recorded(*store_)["nodeports/30093"], Owner("again"));
  EXPECT_EQ(Recorded(*store_)["clusterips/10.96.2.3"], Owner("again"));
}

TEST_F(AllocationStore, AWriteOfAValueAnotherServiceHoldsIsAConflictAndWritesNothing) {
  json holder = ServiceJson("holder", "NodePort");
  holder["spec"]["ports"][0]["nodePort"] = 30090;
  ASSERT_TRUE(CreateService(holder).ok());
  // As a server whose allocator had not yet read the holder would write it.
  json other = ServiceJson("other", "NodePort");
  other["spec"]["ports"][0]["nodePort"] = 30090;
  absl::StatusOr<int64_t> created = store_->Create(Owner("other"), other.dump());
  EXPECT_TRUE(IsAllocationConflict(created.status())) << created.status();
  EXPECT_THAT(created.status().message(),
              HasSubstr("nodePort 30090 is already allocated (to default/holder)"));
  EXPECT_FALSE(store_->Get(Owner("other"), store::kLatest)->has_value()) << "nothing written";
}

TEST_F(AllocationStore, AStaleKeyGivesWayToTheServiceThatClaimsItsValue) {
  ASSERT_TRUE(
      store_->Create(absl::StrCat(kAllocationsPrefix, "nodeports/30091"), Owner("gone")).ok());
  json service = ServiceJson("web", "NodePort");
  service["spec"]["ports"][0]["nodePort"] = 30091;
  auto created = CreateService(service);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(Recorded(*store_)["nodeports/30091"], Owner("web"));
}

TEST_F(AllocationStore, RepairRecordsWhatServicesHoldAndDropsWhatNoneHolds) {
  json service = ServiceJson("web", "NodePort");
  service["spec"]["ports"][0]["nodePort"] = 30092;
  service["spec"]["clusterIP"] = "10.96.1.2";
  ASSERT_TRUE(CreateService(service).ok());
  // A store from before the keys, and a key of a Service long gone.
  for (const auto& [key, owner] : Recorded(*store_))
    ASSERT_TRUE(store_->Delete(absl::StrCat(kAllocationsPrefix, key), 0).ok());
  ASSERT_TRUE(
      store_->Create(absl::StrCat(kAllocationsPrefix, "clusterips/10.96.9.9"), Owner("old")).ok());
  absl::StatusOr<int> repaired = RepairAllocations(*store_);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(*repaired, 3);
  EXPECT_EQ(Recorded(*store_),
            (std::map<std::string, std::string>{{"clusterips/10.96.1.2", Owner("web")},
                                                {"nodeports/30092", Owner("web")}}));
  EXPECT_EQ(*RepairAllocations(*store_), 0);
}

}  // namespace
}  // namespace sluice::controllers
