// LoadBalancer pools: the configuration file, the choice of addresses, and
// the controller writing Service status on a real store.
#include "absl/synchronization/mutex.h"
#include "control/controllers/controllers_test_util.h"
#include "control/controllers/event_recorder.h"
#include "control/controllers/lb_ipam_controller.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPools[] = R"(
pools:
- name: public
  addresses: [192.168.10.0/31, "fd00:20::1-fd00:20::2"]
- name: reserved
  addresses: ["192.168.30.5-192.168.30.6"]
  autoAssign: false
)";

json Lb(const std::string& name) {
  return ServiceJson(name, "LoadBalancer");
}

TEST(LbPools, ParseYamlOrJsonWithFieldPathsInErrors) {
  auto pools = ParseLbPools(kPools);
  ASSERT_TRUE(pools.ok()) << pools.status();
  ASSERT_EQ(pools->size(), 2u);
  EXPECT_EQ((*pools)[0].ranges.size(), 2u);
  EXPECT_FALSE((*pools)[1].auto_assign);
  EXPECT_TRUE(ParseLbPools(R"({"pools":[{"name":"a","addresses":["10.0.0.0/30"]}]})").ok());
  EXPECT_EQ(ParseLbPools("pools:\n- name: a\n  addresses: [10.0.0.300/30]\n").status().message(),
            "pools[0].addresses[0]: \"10.0.0.300/30\" is not a valid CIDR");
  EXPECT_THAT(ParseLbPools("pools:\n- addresses: [10.0.0.0/30]\n").status().message(),
              HasSubstr("pools[0].name: required"));
  EXPECT_THAT(
      ParseLbPools("pools:\n- {name: a, addresses: [10.0.0.1/32], auto: 1}\n").status().message(),
      HasSubstr("pools[0].auto: unknown field"));
  EXPECT_THAT(ParseLbPools("pools: [").status().message(), HasSubstr("not YAML or JSON"));
}

TEST(LbPools, ChoiceHonoursRequestsPoolsAndWhatIsInUse) {
  std::vector<LbPool> pools = *ParseLbPools(kPools);
  EXPECT_THAT(ChooseLbIps(pools, Lb("a"), {}).ips, ElementsAre("192.168.10.0"));
  EXPECT_THAT(ChooseLbIps(pools, Lb("a"), {{"192.168.10.0", "default/x"}}).ips,
              ElementsAre("192.168.10.1"));
  json dual = Lb("a");
  dual["spec"]["ipFamilies"] = {"IPv4", "IPv6"};
  EXPECT_THAT(ChooseLbIps(pools, dual, {}).ips, ElementsAre("192.168.10.0", "fd00:20::1"));

  json named = Lb("a");
  named["metadata"]["annotations"] = {{"sluice.dev/lb-pool", "reserved"}};
  EXPECT_THAT(ChooseLbIps(pools, named, {}).ips, ElementsAre("192.168.30.5"));
  named["metadata"]["annotations"]["sluice.dev/lb-pool"] = "nope";
  EXPECT_EQ(ChooseLbIps(pools, named, {}).error, "unknown pool \"nope\"");

  json asked = Lb("a");
  asked["spec"]["loadBalancerIP"] = "192.168.30.6";
  EXPECT_THAT(ChooseLbIps(pools, asked, {}).ips, ElementsAre("192.168.30.6"));
  EXPECT_EQ(ChooseLbIps(pools, asked, {{"192.168.30.6", "default/x"}}).error,
            "192.168.30.6 is already in use by default/x");
  asked["spec"].erase("loadBalancerIP");
  asked["metadata"]["annotations"] = {{"sluice.dev/lb-ips", "192.168.10.1, fd00:20::2"}};
  EXPECT_THAT(ChooseLbIps(pools, asked, {}).ips, ElementsAre("192.168.10.1", "fd00:20::2"));
  asked["metadata"]["annotations"]["sluice.dev/lb-ips"] = "10.9.9.9";
  LbChoice outside = ChooseLbIps(pools, asked, {});
  EXPECT_THAT(outside.ips, IsEmpty());
  EXPECT_EQ(outside.error, "10.9.9.9 is not in any pool");

  json full = Lb("a");
  LbChoice none = ChooseLbIps(pools, full, {{"192.168.10.0", "x"}, {"192.168.10.1", "y"}});
  EXPECT_THAT(none.ips, IsEmpty());
  EXPECT_EQ(none.error, "no free IPv4 address in pool(s) public");
}

class LbIpamControllerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // core/v1 events, where the registry does not serve them yet: the
    // recorder writes there.
    if (registry_.Find("", "v1", "events") == nullptr)
      registry_.Add({.group = "",
                     .version = "v1",
                     .kind = "Event",
                     .plural = "events",
                     .singular = "event",
                     .namespaced = true});
    recorder_ = std::make_unique<EventRecorder>("lb-ipam-controller", handler_.get(), &registry_);
    controller_ = std::make_unique<LbIpamController>(
        store_.get(), *ParseLbPools(kPools), [this](const json& service, const std::string& why) {
          EXPECT_TRUE(recorder_->Warn(service, "AllocationFailed", why).ok());
          absl::MutexLock lock(&mu_);
          reports_.push_back(service["metadata"]["name"].get<std::string>() + ": " + why);
        });
    controller_->Start();
  }
  void TearDown() override {
    controller_.reset();
    StoreTest::TearDown();
  }
  json Ingress(const std::string& name) {
    json s = GetService(name);
    json::json_pointer p("/status/loadBalancer/ingress");
    return s.contains(p) ? s.at(p) : json();
  }
  bool HasIp(const std::string& name, const std::string& ip) {
    json i = Ingress(name);
    return i.is_array() && i.size() == 1 && i[0]["ip"] == ip;
  }
  std::vector<std::string> Reports() {
    absl::MutexLock lock(&mu_);
    return reports_;
  }

  std::unique_ptr<EventRecorder> recorder_;
  std::unique_ptr<LbIpamController> controller_;
  absl::Mutex mu_;
  std::vector<std::string> reports_;
};

TEST_F(LbIpamControllerTest, AssignsReleasesAndReassignsAddresses) {
  ASSERT_TRUE(CreateService(Lb("a")).ok());
  ASSERT_TRUE(WaitFor([&] { return HasIp("a", "192.168.10.0"); })) << GetService("a");
  ASSERT_TRUE(CreateService(Lb("b")).ok());
  ASSERT_TRUE(WaitFor([&] { return HasIp("b", "192.168.10.1"); }));
  // The pool is full: c waits, with a reason, and no address.
  ASSERT_TRUE(CreateService(Lb("c")).ok());
  ASSERT_TRUE(WaitFor([&] { return !Reports().empty(); }));
  EXPECT_EQ(Reports()[0], "c: no free IPv4 address in pool(s) public");
  EXPECT_TRUE(Ingress("c").is_null());
  auto events = handler_->List({.type = registry_.Find("", "v1", "events"), .ns = "default"}, {});
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ((*events)["items"].size(), 1u);
  const json& event = (*events)["items"][0];
  EXPECT_EQ(event["reason"], "AllocationFailed");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["message"], "no free IPv4 address in pool(s) public");
  EXPECT_EQ(event["involvedObject"]["name"], "c");
  EXPECT_EQ(event["involvedObject"]["uid"], GetService("c")["metadata"]["uid"]);

  // a stops being a LoadBalancer: its address goes, and c gets it.
  ASSERT_TRUE(MergePatchService("a", {{"spec", {{"type", "ClusterIP"}}}}).ok());
  ASSERT_TRUE(WaitFor([&] { return Ingress("a").is_null() && HasIp("c", "192.168.10.0"); }))
      << GetService("a") << GetService("c");
  // Deleting b frees its address for a new Service.
  ASSERT_TRUE(DeleteService("b").ok());
  ASSERT_TRUE(CreateService(Lb("d")).ok());
  ASSERT_TRUE(WaitFor([&] { return HasIp("d", "192.168.10.1"); }));
}

TEST_F(LbIpamControllerTest, HonoursRequestedAddressesAndLeavesOtherClassesAlone) {
  json asked = Lb("asked");
  asked["spec"]["loadBalancerIP"] = "192.168.30.6";
  ASSERT_TRUE(CreateService(asked).ok());
  json other = Lb("other");
  other["spec"]["loadBalancerClass"] = "example.com/lb";
  ASSERT_TRUE(CreateService(other).ok());
  json pool = Lb("pooled");
  pool["metadata"]["annotations"] = {{"sluice.dev/lb-pool", "reserved"}};
  ASSERT_TRUE(CreateService(pool).ok());
  ASSERT_TRUE(WaitFor([&] { return HasIp("asked", "192.168.30.6"); }));
  ASSERT_TRUE(WaitFor([&] { return HasIp("pooled", "192.168.30.5"); }));
  EXPECT_TRUE(Ingress("other").is_null());
  // The addresses survive a restart of the controller: it reads them back.
  controller_.reset();
  controller_ = std::make_unique<LbIpamController>(store_.get(), *ParseLbPools(kPools),
                                                   [](const json&, const std::string&) {});
  controller_->Start();
  ASSERT_TRUE(CreateService(Lb("late")).ok());
  ASSERT_TRUE(WaitFor([&] { return HasIp("late", "192.168.10.0"); }));
  EXPECT_TRUE(HasIp("asked", "192.168.30.6"));
  EXPECT_TRUE(HasIp("pooled", "192.168.30.5"));
}

}  // namespace
}  // namespace sluice::controllers
