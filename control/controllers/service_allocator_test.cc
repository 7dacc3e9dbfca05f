// The Service allocators through the API server's handler, on a real SQLite
// store: what kubectl sees on create, update, patch and delete.
#include "control/controllers/allocators/service_allocator.h"

#include <set>
#include <thread>

#include "control/apiserver/api_error.h"
#include "control/apiserver/service_network.h"
#include "control/controllers/allocators/allocation_table.h"
#include "control/controllers/allocators/ip_range.h"
#include "control/controllers/allocators/range_allocator.h"
#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

json WithNodePort(json service, int node_port) {
  service["spec"]["ports"][0]["nodePort"] = node_port;
  return service;
}

using ServiceAllocation = StoreTest;

TEST(IpRange, CidrsReserveTheirEndsAndRangesIncludeBoth) {
  auto v4 = IpRange::FromCidr("10.96.0.0/16", true);
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->size(), 65534u);
  EXPECT_EQ(v4->At(0).ToString(), "10.96.0.1");
  EXPECT_EQ(v4->At(65533).ToString(), "10.96.255.254");
  auto v6 = IpRange::FromCidr("fd00:10:96::/112", true);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->size(), 65535u);
  EXPECT_EQ(v6->At(0x1234).ToString(), "fd00:10:96::1235");
  EXPECT_EQ(v6->OffsetOf(*IpAddress::Parse("fd00:10:96::ffff")), 65534u);
  EXPECT_EQ(v6->OffsetOf(*IpAddress::Parse("fd00:10:97::1")), std::nullopt);
  auto range = IpRange::Parse("192.168.1.250-192.168.2.5");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->size(), 12u);
  EXPECT_EQ(range->At(6).ToString(), "192.168.2.0");
  EXPECT_FALSE(IpRange::Parse("10.0.0.5-10.0.0.1").ok());
  EXPECT_FALSE(IpRange::Parse("10.0.0.1-fd00::1").ok());
  EXPECT_FALSE(IpRange::FromCidr("10.0.0.0/4", true).ok());
}

TEST(RangeAllocator, DynamicPicksUseTheUpperBandFirstThenTheLowerOne) {
  RangeAllocator a(40, 16);
  a.MarkUsed(17);
  EXPECT_EQ(a.AllocateNext(), 16u);
  EXPECT_EQ(a.AllocateNext(), 18u);
  for (uint64_t i = 19; i < 40; ++i) a.MarkUsed(i);
  EXPECT_EQ(a.AllocateNext(), 0u);
}

TEST_F(ServiceAllocation, ClusterIpsComeFromTheServiceRangesPerFamilyPolicy) {
  auto single = CreateService(ServiceJson("single"));
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(single->at("spec")["clusterIP"], "10.96.1.1");
  EXPECT_EQ(single->at("spec")["ipFamilies"], json::array({"IPv4"}));
  EXPECT_EQ(single->at("spec")["ipFamilyPolicy"], "SingleStack");

  json dual = ServiceJson("dual");
  dual["spec"]["ipFamilyPolicy"] = "PreferDualStack";
  auto created = CreateService(dual);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["clusterIPs"], json::array({"10.96.1.2", "fd00:10:96::101"}));
  EXPECT_EQ(created->at("spec")["ipFamilies"], json::array({"IPv4", "IPv6"}));

  json v6 = ServiceJson("v6");
  v6["spec"]["ipFamilies"] = {"IPv6"};
  created = CreateService(v6);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["clusterIP"], "fd00:10:96::102");

  json headless = ServiceJson("headless");
  headless["spec"]["clusterIP"] = "None";
  created = CreateService(headless);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["clusterIPs"], json::array({"None"}));
}

TEST_F(ServiceAllocation, RequestedClusterIpIsHonouredOnceAndMustBeInRange) {
  json dns = ServiceJson("dns");
  dns["spec"]["clusterIP"] = "10.96.0.10";
  auto created = CreateService(dns);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["clusterIPs"], json::array({"10.96.0.10"}));

  dns["metadata"]["name"] = "dns2";
  auto again = CreateService(dns);
  EXPECT_EQ(apiserver::HttpCode(again.status()), 422);
  EXPECT_EQ(ErrorMessage(again.status()),
            "Service \"dns2\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.96.0.10\": "
            "failed to allocate IP 10.96.0.10: provided IP is already allocated");

  dns["spec"]["clusterIP"] = "10.0.0.10";
  auto outside = CreateService(dns);
  EXPECT_THAT(ErrorMessage(outside.status()),
              HasSubstr("the provided IP (10.0.0.10) is not in the valid range. The range of "
                        "valid IPs is 10.96.0.0/16"));
  EXPECT_TRUE(GetService("dns2").is_null());
}

TEST_F(ServiceAllocation, NodePortsArePerPortAndRequestedOnesAreChecked) {
  json two = ServiceJson("two", "NodePort");
  two["spec"]["ports"] = {{{"name", "http"}, {"port", 80}}, {{"name", "https"}, {"port", 443}}};
  auto created = CreateService(two);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["ports"][0]["nodePort"], 30173);
  EXPECT_EQ(created->at("spec")["ports"][1]["nodePort"], 30174);

  ASSERT_TRUE(CreateService(WithNodePort(ServiceJson("a", "NodePort"), 30080)).ok());
  auto taken = CreateService(WithNodePort(ServiceJson("b", "NodePort"), 30080));
  EXPECT_EQ(apiserver::HttpCode(taken.status()), 422);
  EXPECT_EQ(ErrorMessage(taken.status()),
            "Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided "
            "port is already allocated");
  EXPECT_EQ(apiserver::StatusBody(taken.status())["details"]["causes"][0]["field"],
            "spec.ports[0].nodePort");

  auto low = CreateService(WithNodePort(ServiceJson("c", "NodePort"), 8080));
  EXPECT_EQ(ErrorMessage(low.status()),
            "Service \"c\" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided "
            "port is not in the valid range. The range of valid ports is 30000-32767");

  auto forbidden = CreateService(WithNodePort(ServiceJson("d"), 30500));
  EXPECT_THAT(ErrorMessage(forbidden.status()),
              HasSubstr("spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                        "'ClusterIP'"));
}

TEST_F(ServiceAllocation, LoadBalancersGetNodePortsAndLocalOnesAHealthCheckPort) {
  json lb = ServiceJson("lb", "LoadBalancer");
  lb["spec"]["externalTrafficPolicy"] = "Local";
  auto created = CreateService(lb);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["ports"][0]["nodePort"], 30173);
  EXPECT_EQ(created->at("spec")["healthCheckNodePort"], 30174);

  json no_ports = ServiceJson("lb2", "LoadBalancer");
  no_ports["spec"]["allocateLoadBalancerNodePorts"] = false;
  created = CreateService(no_ports);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->at("spec")["ports"][0].contains("nodePort"));

  json cluster = ServiceJson("cl", "LoadBalancer");
  cluster["spec"]["healthCheckNodePort"] = 30999;
  EXPECT_THAT(ErrorMessage(CreateService(cluster).status()),
              HasSubstr("spec.healthCheckNodePort: Invalid value: 30999: may only be set when"));
}

TEST_F(ServiceAllocation, DeletingAServiceReleasesItsAddresses) {
  json a = WithNodePort(ServiceJson("a", "NodePort"), 30080);
  a["spec"]["clusterIP"] = "10.96.0.20";
  ASSERT_TRUE(CreateService(a).ok());
  a["metadata"]["name"] = "b";
  EXPECT_FALSE(CreateService(a).ok());
  ASSERT_TRUE(DeleteService("a").ok());
  auto b = CreateService(a);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->at("spec")["clusterIP"], "10.96.0.20");
}

TEST_F(ServiceAllocation, AValueFreedByADeleteIsPickedAgain) {
  auto a = CreateService(ServiceJson("a", "NodePort"));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(CreateService(ServiceJson("b", "NodePort")).ok());
  ASSERT_TRUE(DeleteService("a").ok());
  // Dynamic picks take the lowest free value: a's.
  auto c = CreateService(ServiceJson("c", "NodePort"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->at("spec")["clusterIP"], a->at("spec")["clusterIP"]);
  EXPECT_EQ(c->at("spec")["ports"][0]["nodePort"], a->at("spec")["ports"][0]["nodePort"]);
}

TEST_F(ServiceAllocation, AFailedWriteReleasesWhatItReserved) {
  auto a = CreateService(ServiceJson("a", "NodePort"));
  ASSERT_TRUE(a.ok()) << a.status();
  // Allocated (the next address and port), then refused by the store: the
  // name is taken. What it picked must not stay reserved.
  EXPECT_THAT(ErrorMessage(CreateService(ServiceJson("a", "NodePort")).status()),
              HasSubstr("already exists"));
  auto b = CreateService(ServiceJson("b", "NodePort"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->at("spec")["clusterIP"], "10.96.1.1");
  EXPECT_EQ(b->at("spec")["clusterIP"], "10.96.1.2");
  EXPECT_EQ(b->at("spec")["ports"][0]["nodePort"],
            a->at("spec")["ports"][0]["nodePort"].get<int>() + 1);
}

TEST_F(ServiceAllocation, ChangingTheTypeReleasesWhatTheNewTypeDoesNotUse) {
  ASSERT_TRUE(CreateService(WithNodePort(ServiceJson("a", "NodePort"), 30080)).ok());
  auto patched = MergePatchService("a", {{"spec", {{"type", "ClusterIP"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_FALSE(patched->at("spec")["ports"][0].contains("nodePort"));
  ASSERT_TRUE(CreateService(WithNodePort(ServiceJson("b", "NodePort"), 30080)).ok());

  std::string ip = GetService("b")["spec"]["clusterIP"];
  patched =
      MergePatchService("b", {{"spec", {{"type", "ExternalName"}, {"externalName", "x.io"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_FALSE(patched->at("spec").contains("clusterIP"));
  EXPECT_FALSE(patched->at("spec").contains("ipFamilies"));
  EXPECT_FALSE(patched->at("spec")["ports"][0].contains("nodePort"));
  json c = WithNodePort(ServiceJson("c", "NodePort"), 30080);
  c["spec"]["clusterIP"] = ip;
  EXPECT_TRUE(CreateService(c).ok());
}

TEST_F(ServiceAllocation, UpdatesKeepAllocatedValuesAndAllocateNewOnes) {
  auto a = CreateService(ServiceJson("a"));
  ASSERT_TRUE(a.ok());
  auto nodeport = MergePatchService("a", {{"spec", {{"type", "NodePort"}}}});
  ASSERT_TRUE(nodeport.ok()) << nodeport.status();
  int port = nodeport->at("spec")["ports"][0]["nodePort"];
  EXPECT_EQ(port, 30173);
  // A PUT that leaves clusterIP and nodePort out, as `kubectl replace -f`.
  json replaced = ServiceJson("a", "NodePort");
  auto updated = handler_->Update(Services("a"), replaced);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->at("spec")["ports"][0]["nodePort"], port);
  EXPECT_EQ(updated->at("spec")["clusterIP"], a->at("spec")["clusterIP"]);
  auto dual = MergePatchService("a", {{"spec", {{"ipFamilyPolicy", "RequireDualStack"}}}});
  ASSERT_TRUE(dual.ok()) << dual.status();
  ASSERT_EQ(dual->at("spec")["clusterIPs"].size(), 2u);
  std::string v6 = dual->at("spec")["clusterIPs"][1];
  auto single = MergePatchService("a", {{"spec", {{"ipFamilyPolicy", "SingleStack"}}}});
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(single->at("spec")["clusterIPs"], json::array({a->at("spec")["clusterIP"]}));
  EXPECT_EQ(single->at("spec")["ipFamilies"], json::array({"IPv4"}));
  json b = ServiceJson("b");
  b["spec"]["clusterIPs"] = {v6};
  EXPECT_TRUE(CreateService(b).ok()) << "the released IPv6 address is free again";
}

TEST_F(ServiceAllocation, AllocationsSurviveARestart) {
  json a = WithNodePort(ServiceJson("a", "NodePort"), 30080);
  auto created = CreateService(a);
  ASSERT_TRUE(created.ok());
  Reopen();
  a["metadata"]["name"] = "b";
  EXPECT_THAT(ErrorMessage(CreateService(a).status()),
              HasSubstr("provided port is already allocated"));
  auto c = CreateService(ServiceJson("c"));
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->at("spec")["clusterIP"], created->at("spec")["clusterIP"]);
}

TEST_F(ServiceAllocation, ConcurrentCreatesNeverShareAnAddressOrPort) {
  constexpr int kThreads = 6, kEach = 8;
  std::vector<std::thread> threads;
  std::vector<std::vector<json>> results(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        json s = ServiceJson("s" + std::to_string(t) + "-" + std::to_string(i), "NodePort");
        s["spec"]["ipFamilyPolicy"] = "PreferDualStack";
        auto created = CreateService(s);
        if (created.ok()) results[t].push_back(*created);
      }
    });
  for (std::thread& t : threads) t.join();
  std::set<std::string> ips;
  std::set<int> ports;
  for (const auto& list : results) {
    ASSERT_EQ(list.size(), static_cast<size_t>(kEach));
    for (const json& s : list) {
      for (const json& ip : s["spec"]["clusterIPs"]) ips.insert(ip.get<std::string>());
      ports.insert(s["spec"]["ports"][0]["nodePort"].get<int>());
    }
  }
  EXPECT_EQ(ips.size(), 2u * kThreads * kEach);
  EXPECT_EQ(ports.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(ServiceAllocation, ConcurrentTypeChangesNeverShareANodePort) {
  constexpr int kThreads = 6, kEach = 4;
  for (int i = 0; i < kThreads * kEach; ++i)
    ASSERT_TRUE(CreateService(ServiceJson("s" + std::to_string(i))).ok());
  std::vector<std::thread> threads;
  std::vector<std::vector<int>> ports(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = t * kEach; i < (t + 1) * kEach; ++i) {
        auto patched =
            MergePatchService("s" + std::to_string(i), {{"spec", {{"type", "NodePort"}}}});
        if (patched.ok()) ports[t].push_back(patched->at("spec")["ports"][0]["nodePort"]);
      }
    });
  for (std::thread& t : threads) t.join();
  std::set<int> unique;
  for (const auto& list : ports) {
    EXPECT_EQ(list.size(), static_cast<size_t>(kEach));
    unique.insert(list.begin(), list.end());
  }
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(ServiceAllocation, TheServerUsesTheConfiguredRanges) {
  ASSERT_TRUE(apiserver::UseServiceNetwork(registry_, {.cluster_ip_ranges = {"fd00:1::/120"},
                                                       .node_port_min = 31000,
                                                       .node_port_max = 31999})
                  .ok());
  auto created = CreateService(ServiceJson("a", "NodePort"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->at("spec")["clusterIP"], "fd00:1::11");
  EXPECT_EQ(created->at("spec")["ipFamilies"], json::array({"IPv6"}));
  EXPECT_EQ(created->at("spec")["ports"][0]["nodePort"], 31062);
  EXPECT_THAT(
      ErrorMessage(CreateService(WithNodePort(ServiceJson("b", "NodePort"), 30080)).status()),
      HasSubstr("The range of valid ports is 31000-31999"));
  // A narrower range later: a keeps what it has, and may still be updated.
  ASSERT_TRUE(apiserver::UseServiceNetwork(registry_, {.cluster_ip_ranges = {"fd00:2::/120"},
                                                       .node_port_min = 30000,
                                                       .node_port_max = 30100})
                  .ok());
  auto labelled = MergePatchService("a", {{"metadata", {{"labels", {{"k", "v"}}}}}});
  ASSERT_TRUE(labelled.ok()) << labelled.status();
  EXPECT_EQ(labelled->at("spec")["ports"][0]["nodePort"], 31062);
  EXPECT_EQ(labelled->at("spec")["clusterIP"], "fd00:1::11");
  EXPECT_THAT(
      ErrorMessage(CreateService(WithNodePort(ServiceJson("c", "NodePort"), 31062)).status()),
      HasSubstr("The range of valid ports is 30000-30100"));
  EXPECT_THAT(
      apiserver::UseServiceNetwork(registry_, {.cluster_ip_ranges = {"10.0.0.0/40"}}).message(),
      HasSubstr("\"10.0.0.0/40\" is not a valid CIDR"));
}

TEST(ServiceAllocator, RangesAreConfigurableAndAFullRangeSaysSo) {
  auto allocator = ServiceAllocator::Create(
      {.cluster_ip_ranges = {"10.0.0.0/30"}, .node_port_min = 31000, .node_port_max = 31001});
  ASSERT_TRUE(allocator.ok()) << allocator.status();
  AllocationTable table;
  std::vector<json> stored;
  std::vector<Reservation> held;  // as writes in flight: their values stay taken
  for (int i = 0; i < 2; ++i) {
    json s = ServiceJson("s" + std::to_string(i), "NodePort");
    Allocation allocation = table.Allocate(*allocator, s, json(), 0);
    EXPECT_THAT(allocation.errors, ::testing::IsEmpty());
    held.push_back(std::move(allocation.reservation));
    stored.push_back(s);
  }
  EXPECT_EQ(stored[0]["spec"]["clusterIP"], "10.0.0.1");
  EXPECT_EQ(stored[1]["spec"]["ports"][0]["nodePort"], 31001);
  json full = ServiceJson("full", "NodePort");
  std::vector<FieldError> errors = table.Allocate(*allocator, full, json(), 0).errors;
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0].message, HasSubstr("range 10.0.0.0/30 is full"));
  EXPECT_THAT(errors[1].message, HasSubstr("range 31000-31001 is full"));
  held.clear();  // the writes are done and recorded nothing
  json again = ServiceJson("again", "NodePort");
  EXPECT_THAT(table.Allocate(*allocator, again, json(), 0).errors, ::testing::IsEmpty())
      << "released reservations free their values";
  json high = WithNodePort(ServiceJson("high", "NodePort"), 30080);
  errors = table.Allocate(*allocator, high, json(), 0).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("The range of valid ports is 31000-31001"));
  json dual = ServiceJson("dual");
  dual["spec"]["ipFamilyPolicy"] = "RequireDualStack";
  errors = table.Allocate(*allocator, dual, json(), 0).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message,
            "Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack "
            "services");
}

}  // namespace
}  // namespace sluice::controllers
