// The EndpointSlice controller on a real store: Services through the API
// server's handler, Pods and Nodes written into the store as the API server
// will store them.
#include "control/controllers/endpoint_slice_controller.h"

#include "absl/strings/str_cat.h"
#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;
using ::testing::MatchesRegex;

struct PodSpec {
  std::string name;
  std::string ip;
  bool ready = true;
  bool terminating = false;
  std::string node;
  json container_ports = json::array();
  std::string app = "web";
  std::string ip6;
  std::string hostname;
};

json PodJson(const PodSpec& p) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", p.name},
                {"namespace", "default"},
                {"uid", "uid-" + p.name},
                {"labels", {{"app", p.app}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"ports", p.container_ports}}}}}},
              {"status",
               {{"phase", "Running"},
                {"podIP", p.ip},
                {"conditions", {{{"type", "Ready"}, {"status", p.ready ? "True" : "False"}}}}}}};
  pod["status"]["podIPs"] = {{{"ip", p.ip}}};
  if (!p.ip6.empty()) pod["status"]["podIPs"].push_back({{"ip", p.ip6}});
  if (p.terminating) pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  if (!p.node.empty()) pod["spec"]["nodeName"] = p.node;
  if (!p.hostname.empty()) {
    pod["spec"]["hostname"] = p.hostname;
    pod["spec"]["subdomain"] = "web";
  }
  return pod;
}

class EndpointSliceControllerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    controller_ =
        std::make_unique<EndpointSliceController>(store_.get(), handler_.get(), &registry_);
  }
  void TearDown() override {
    controller_.reset();
    StoreTest::TearDown();
  }
  void PutPod(const PodSpec& p) { Put("/registry/pods/default/" + p.name, PodJson(p)); }
  // The managed slices of `service`, ordered by address type then first endpoint.
  std::vector<json> Slices(const std::string& service) {
    auto list = handler_->List(
        {.type = registry_.Find("discovery.k8s.io", "v1", "endpointslices"), .ns = "default"},
        {.label_selector = absl::StrCat("kubernetes.io/service-name=", service)});
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<json> slices;
    for (const json& s : (*list)["items"]) slices.push_back(s);
    std::sort(slices.begin(), slices.end(), [](const json& a, const json& b) {
      return a["addressType"].dump() + a["endpoints"].dump() <
             b["addressType"].dump() + b["endpoints"].dump();
    });
    return slices;
  }
  static std::vector<std::string> Addresses(const json& slice) {
    std::vector<std::string> out;
    for (const json& e : slice["endpoints"]) out.push_back(e["addresses"][0]);
    return out;
  }

  std::unique_ptr<EndpointSliceController> controller_;
};

TEST_F(EndpointSliceControllerTest, SliceHoldsSelectedPodsWithReadyServingAndTerminating) {
  auto service = CreateService(ServiceJson("web"));
  ASSERT_TRUE(service.ok());
  PutPod({.name = "a", .ip = "10.1.0.1", .node = "n1", .hostname = "alpha"});
  PutPod({.name = "b", .ip = "10.1.0.2", .ready = false});
  PutPod({.name = "c", .ip = "10.1.0.3", .terminating = true});
  PutPod({.name = "other", .ip = "10.1.0.4", .app = "db"});
  json done = PodJson({.name = "done", .ip = "10.1.0.5"});
  done["status"]["phase"] = "Succeeded";
  Put("/registry/pods/default/done", done);
  Put("/registry/nodes/n1",
      {{"metadata", {{"name", "n1"}, {"labels", {{"topology.kubernetes.io/zone", "z1"}}}}}});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());

  std::vector<json> slices = Slices("web");
  ASSERT_EQ(slices.size(), 1u);
  const json& slice = slices[0];
  EXPECT_THAT(slice["metadata"]["name"].get<std::string>(), MatchesRegex("web-[a-z0-9]{5}"));
  EXPECT_EQ(slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"],
            "endpointslice-controller.sluice.dev");
  EXPECT_EQ(slice["metadata"]["ownerReferences"][0]["uid"], (*service)["metadata"]["uid"]);
  EXPECT_EQ(slice["metadata"]["ownerReferences"][0]["kind"], "Service");
  EXPECT_EQ(slice["addressType"], "IPv4");
  EXPECT_EQ(slice["ports"], json::parse(R"([{"name":"","port":8080,"protocol":"TCP"}])"));
  EXPECT_THAT(Addresses(slice), ::testing::ElementsAre("10.1.0.1", "10.1.0.2", "10.1.0.3"));
  EXPECT_EQ(slice["endpoints"][0]["conditions"],
            json::parse(R"({"ready":true,"serving":true,"terminating":false})"));
  EXPECT_EQ(slice["endpoints"][0]["nodeName"], "n1");
  EXPECT_EQ(slice["endpoints"][0]["zone"], "z1");
  EXPECT_EQ(slice["endpoints"][0]["targetRef"]["name"], "a");
  EXPECT_EQ(slice["endpoints"][0]["hostname"], "alpha");
  EXPECT_FALSE(slice["endpoints"][1].contains("hostname"));
  EXPECT_EQ(slice["endpoints"][1]["conditions"],
            json::parse(R"({"ready":false,"serving":false,"terminating":false})"));
  EXPECT_EQ(slice["endpoints"][2]["conditions"],
            json::parse(R"({"ready":false,"serving":true,"terminating":true})"));

  // Nothing changed: no write.
  std::string rv = slice["metadata"]["resourceVersion"];
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  EXPECT_EQ(Slices("web")[0]["metadata"]["resourceVersion"], rv);
}

TEST_F(EndpointSliceControllerTest, PublishNotReadyAddressesMakesEveryEndpointReady) {
  json svc = ServiceJson("web");
  svc["spec"]["publishNotReadyAddresses"] = true;
  ASSERT_TRUE(CreateService(svc).ok());
  PutPod({.name = "a", .ip = "10.1.0.1", .ready = false});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  EXPECT_EQ(Slices("web")[0]["endpoints"][0]["conditions"]["ready"], true);
  EXPECT_EQ(Slices("web")[0]["endpoints"][0]["conditions"]["serving"], false);
}

TEST_F(EndpointSliceControllerTest, NamedTargetPortsGiveOneSlicePerResolvedPortSet) {
  json svc = ServiceJson("web");
  svc["spec"]["ports"] = {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}}};
  ASSERT_TRUE(CreateService(svc).ok());
  PutPod({.name = "a",
          .ip = "10.1.0.1",
          .container_ports = {{{"name", "http"}, {"containerPort", 8080}}}});
  PutPod({.name = "b",
          .ip = "10.1.0.2",
          .container_ports = {{{"name", "http"}, {"containerPort", 9090}}}});
  PutPod({.name = "c",
          .ip = "10.1.0.3",
          .container_ports = {{{"name", "http"}, {"containerPort", 8080}}}});
  PutPod({.name = "udp",
          .ip = "10.1.0.4",
          .container_ports = {{{"name", "http"}, {"containerPort", 7070}, {"protocol", "UDP"}}}});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> slices = Slices("web");
  ASSERT_EQ(slices.size(), 3u);
  std::map<std::string, std::vector<std::string>> by_ports;
  for (const json& s : slices) by_ports[s.value("ports", json()).dump()] = Addresses(s);
  EXPECT_EQ(by_ports[R"([{"name":"http","port":8080,"protocol":"TCP"}])"],
            (std::vector<std::string>{"10.1.0.1", "10.1.0.3"}));
  EXPECT_EQ(by_ports[R"([{"name":"http","port":9090,"protocol":"TCP"}])"],
            (std::vector<std::string>{"10.1.0.2"}));
  EXPECT_EQ(by_ports["null"], (std::vector<std::string>{"10.1.0.4"}));
}

TEST_F(EndpointSliceControllerTest, AtMostAHundredEndpointsPerSlice) {
  ASSERT_TRUE(CreateService(ServiceJson("web")).ok());
  for (int i = 0; i < 250; ++i)
    PutPod({.name = absl::StrCat("p", 1000 + i),
            .ip = absl::StrCat("10.1.", i / 200, ".", i % 200 + 1)});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> slices = Slices("web");
  std::vector<size_t> sizes;
  for (const json& s : slices) sizes.push_back(s["endpoints"].size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 100, 100}));
}

TEST_F(EndpointSliceControllerTest, DualStackServicesGetASlicePerFamily) {
  json svc = ServiceJson("web");
  svc["spec"]["ipFamilyPolicy"] = "RequireDualStack";
  ASSERT_TRUE(CreateService(svc).ok());
  PutPod({.name = "a", .ip = "10.1.0.1", .ip6 = "fd00:1::1"});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> slices = Slices("web");
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0]["addressType"], "IPv4");
  EXPECT_EQ(slices[1]["addressType"], "IPv6");
  EXPECT_EQ(Addresses(slices[1]), std::vector<std::string>{"fd00:1::1"});
}

TEST_F(EndpointSliceControllerTest, FollowsPodChangesAndRemovesSlicesWithTheService) {
  controller_->Start();
  ASSERT_TRUE(CreateService(ServiceJson("web")).ok());
  ASSERT_TRUE(CreateService(ServiceJson("plain")).ok());
  ASSERT_TRUE(WaitFor([&] { return Slices("web").size() == 1; }));
  EXPECT_TRUE(Slices("web")[0]["endpoints"].empty());
  PutPod({.name = "a", .ip = "10.1.0.1"});
  PutPod({.name = "b", .ip = "10.1.0.2", .ready = false});
  ASSERT_TRUE(WaitFor([&] {
    auto s = Slices("web");
    return s.size() == 1 && s[0]["endpoints"].size() == 2;
  }));
  PutPod({.name = "b", .ip = "10.1.0.2", .ready = true});
  ASSERT_TRUE(WaitFor([&] {
    auto s = Slices("web");
    return s.size() == 1 && s[0]["endpoints"].size() == 2 &&
           s[0]["endpoints"][1]["conditions"]["ready"] == true;
  }));
  Remove("/registry/pods/default/a");
  ASSERT_TRUE(WaitFor([&] {
    auto s = Slices("web");
    return s.size() == 1 && Addresses(s[0]) == std::vector<std::string>{"10.1.0.2"};
  }));
  // Relabelled out of the selector: gone from web's slice, now in plain's.
  std::string plain_rv = Slices("plain")[0]["metadata"]["resourceVersion"];
  PutPod({.name = "b", .ip = "10.1.0.2", .app = "plain"});
  ASSERT_TRUE(WaitFor([&] {
    auto web = Slices("web"), plain = Slices("plain");
    return web.size() == 1 && web[0]["endpoints"].empty() && plain.size() == 1 &&
           Addresses(plain[0]) == std::vector<std::string>{"10.1.0.2"};
  }));
  EXPECT_NE(Slices("plain")[0]["metadata"]["resourceVersion"], plain_rv);
  ASSERT_TRUE(DeleteService("web").ok());
  ASSERT_TRUE(WaitFor([&] { return Slices("web").empty(); }));
  EXPECT_EQ(Slices("plain").size(), 1u);
}

TEST_F(EndpointSliceControllerTest, ServicesWithoutSelectorOrExternalNameGetNone) {
  json manual = ServiceJson("manual");
  manual["spec"].erase("selector");
  ASSERT_TRUE(CreateService(manual).ok());
  json external = ServiceJson("ext", "ExternalName");
  external["spec"]["externalName"] = "example.com";
  ASSERT_TRUE(CreateService(external).ok());
  PutPod({.name = "a", .ip = "10.1.0.1", .app = "ext"});
  ASSERT_TRUE(controller_->Sync("default", "manual").ok());
  ASSERT_TRUE(controller_->Sync("default", "ext").ok());
  EXPECT_TRUE(Slices("manual").empty());
  EXPECT_TRUE(Slices("ext").empty());
}

}  // namespace
}  // namespace sluice::controllers
