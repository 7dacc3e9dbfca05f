// Watch, Table output, patches and discovery through the router.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kServices[] = "/api/v1/namespaces/default/services";

std::vector<std::string> Types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events) out.push_back(e["type"]);
  return out;
}

TEST_F(ApiServerTest, WatchFromAResourceVersionSeesAddedModifiedDeleted) {
  std::string rv = Get(kServices).body["metadata"]["resourceVersion"];
  Reply created = Post(kServices, ServiceJson("web"));
  json changed = created.body;
  changed["metadata"]["labels"]["v"] = "2";
  Call("PUT", std::string(kServices) + "/web", changed.dump());
  Call("DELETE", std::string(kServices) + "/web");
  auto events =
      Watch(std::string(kServices) + "?watch=1&timeoutSeconds=5&resourceVersion=" + rv, 3);
  EXPECT_THAT(Types(events), ::testing::ElementsAre("ADDED", "MODIFIED", "DELETED"));
  EXPECT_EQ(events[1]["object"]["metadata"]["labels"]["v"], "2");
  EXPECT_EQ(events[2]["object"]["metadata"]["name"], "web");
  EXPECT_EQ(events[2]["object"]["kind"], "Service");
}

TEST_F(ApiServerTest, WatchWithoutResourceVersionStartsWithTheCurrentObjects) {
  Post(kServices, ServiceJson("a"));
  Post(kServices, ServiceJson("b"));
  auto events = Watch(std::string(kServices) + "?watch=true&timeoutSeconds=5", 2);
  EXPECT_THAT(Types(events), ::testing::ElementsAre("ADDED", "ADDED"));
}

TEST_F(ApiServerTest, WatchHidesObjectsOutsideTheSelector) {
  std::string rv = Get(kServices).body["metadata"]["resourceVersion"];
  Post(kServices, ServiceJson("a"));
  Post(kServices, ServiceJson("b"));
  auto events = Watch(std::string(kServices) + "?watch=1&timeoutSeconds=1&labelSelector=app%3Db" +
                          "&resourceVersion=" + rv,
                      5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "b");
}

TEST_F(ApiServerTest, WatchesShareEventLinesOnlyWhereTheyWouldSendTheSame) {
  std::string rv = Get(kServices).body["metadata"]["resourceVersion"];
  Post(kServices, ServiceJson("a"));
  Reply b = Post(kServices, ServiceJson("b"));
  json changed = b.body;
  changed["metadata"]["labels"]["app"] = "a";  // b leaves app=b
  Call("PUT", std::string(kServices) + "/b", changed.dump());
  std::string from = std::string(kServices) + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv;
  auto first = Watch(from, 3);
  auto second = Watch(from, 3);  // the lines the first one made
  EXPECT_THAT(Types(first), ::testing::ElementsAre("ADDED", "ADDED", "MODIFIED"));
  EXPECT_EQ(second, first);
  auto selected = Watch(from + "&labelSelector=app%3Db", 3);
  EXPECT_THAT(Types(selected), ::testing::ElementsAre("ADDED", "DELETED"));
}

TEST_F(ApiServerTest, WatchFromACompactedRevisionIs410Gone) {
  Post(kServices, ServiceJson("a"));
  Post(kServices, ServiceJson("b"));
  auto revision = store_->CurrentRevision();
  ASSERT_TRUE(store_->Compact(*revision).ok());
  Reply reply = Get(std::string(kServices) + "?watch=1&resourceVersion=2");
  EXPECT_EQ(reply.status, 410);
  EXPECT_EQ(reply.body["reason"], "Expired");
  EXPECT_EQ(reply.body["kind"], "Status");
}

TEST_F(ApiServerTest, WatchAsTableSendsColumnsOnceAndOneRowPerEvent) {
  std::string rv = Get(kServices).body["metadata"]["resourceVersion"];
  Post(kServices, ServiceJson("a"));
  Post(kServices, ServiceJson("b"));
  auto events = Watch(std::string(kServices) + "?watch=1&timeoutSeconds=5&resourceVersion=" + rv, 2,
                      kTableAccept);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["object"]["kind"], "Table");
  EXPECT_EQ(events[0]["object"]["columnDefinitions"].size(), 7u);
  EXPECT_TRUE(events[1]["object"]["columnDefinitions"].is_null());
  EXPECT_EQ(events[1]["object"]["rows"][0]["cells"][0], "b");
}

TEST_F(ApiServerTest, TableHasKubectlsServiceColumns) {
  json svc = ServiceJson("web");
  svc["spec"]["clusterIP"] = "10.96.0.50";
  svc["spec"]["type"] = "NodePort";
  svc["spec"]["ports"][0]["nodePort"] = 30080;
  ASSERT_EQ(Post(kServices, svc).status, 201);
  Reply table = Call("GET", kServices, "", "", kTableAccept);
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(table.body["kind"], "Table");
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age",
                                     "Selector"));
  const json& cells = table.body["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "web");
  EXPECT_EQ(cells[1], "NodePort");
  EXPECT_EQ(cells[2], "10.96.0.50");
  EXPECT_EQ(cells[3], "<none>");
  EXPECT_EQ(cells[4], "80:30080/TCP");
  EXPECT_EQ(cells[6], "app=web");
  EXPECT_EQ(table.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

TEST_F(ApiServerTest, MergePatchSetsAndRemovesFields) {
  Post(kServices, ServiceJson("web"));
  Reply patched = Call("PATCH", std::string(kServices) + "/web",
                       R"({"metadata":{"labels":{"tier":"front","app":null}}})",
                       "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["metadata"]["labels"], json({{"tier", "front"}}));
}

TEST_F(ApiServerTest, StrategicMergePatchMergesServicePortsByPort) {
  json svc = ServiceJson("web");
  svc["spec"]["ports"] = {{{"name", "http"}, {"port", 80}}, {{"name", "https"}, {"port", 443}}};
  Post(kServices, svc);
  Reply patched = Call("PATCH", std::string(kServices) + "/web",
                       R"({"spec":{"$setElementOrder/ports":[{"port":80},{"port":8443}],)"
                       R"("ports":[{"port":80,"targetPort":8080},{"name":"alt","port":8443},)"
                       R"({"$patch":"delete","port":443}]}})",
                       "application/strategic-merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  const json& ports = patched.body["spec"]["ports"];
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0]["targetPort"], 8080);
  EXPECT_EQ(ports[0]["name"], "http");
  EXPECT_EQ(ports[1]["port"], 8443);
}

TEST_F(ApiServerTest, JsonPatchAppliesOperations) {
  Post(kServices, ServiceJson("web"));
  Reply patched = Call("PATCH", std::string(kServices) + "/web",
                       R"([{"op":"replace","path":"/spec/ports/0/port","value":81}])",
                       "application/json-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["spec"]["ports"][0]["port"], 81);
  Reply bad = Call("PATCH", std::string(kServices) + "/web",
                   R"([{"op":"remove","path":"/nothing/here"}])", "application/json-patch+json");
  EXPECT_EQ(bad.status, 400);
}

TEST_F(ApiServerTest, PatchThatMakesTheObjectInvalidIs422AndChangesNothing) {
  Reply created = Post(kServices, ServiceJson("web"));
  Reply bad = Call("PATCH", std::string(kServices) + "/web", R"({"spec":{"type":"Sideways"}})",
                   "application/merge-patch+json");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Get(std::string(kServices) + "/web").body, created.body);
}

TEST_F(ApiServerTest, DiscoveryDescribesTheServedResources) {
  Reply core = Get("/api/v1");
  ASSERT_EQ(core.status, 200);
  EXPECT_EQ(core.body["kind"], "APIResourceList");
  json service;
  for (const json& r : core.body["resources"])
    if (r["name"] == "services") service = r;
  EXPECT_EQ(service["kind"], "Service");
  EXPECT_EQ(service["singularName"], "service");
  EXPECT_EQ(service["namespaced"], true);
  EXPECT_EQ(service["shortNames"], json({"svc"}));
  EXPECT_THAT(service["verbs"], ::testing::Contains("watch"));
  Reply groups = Get("/apis");
  EXPECT_EQ(groups.body["groups"][0]["name"], "discovery.k8s.io");
  Reply slices = Get("/apis/discovery.k8s.io/v1");
  EXPECT_EQ(slices.body["resources"][0]["name"], "endpointslices");
  EXPECT_EQ(Get("/version").body["major"], "1");
  EXPECT_EQ(Get("/api").body["versions"], json({"v1"}));
  EXPECT_EQ(Call("GET", "/healthz").raw, "ok");
}

TEST_F(ApiServerTest, OpenApiV3AdvertisesServerSideFieldValidation) {
  Reply index = Get("/openapi/v3");
  std::string url = index.body["paths"]["api/v1"]["serverRelativeURL"];
  Reply doc = Get(url);
  ASSERT_EQ(doc.status, 200);
  const json& patch = doc.body["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Service");
  EXPECT_EQ(patch["parameters"][0]["name"], "fieldValidation");
}

TEST_F(ApiServerTest, EndpointSlicesAreValidated) {
  json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                {"kind", "EndpointSlice"},
                {"metadata", {{"name", "web-1"}}},
                {"addressType", "IPv4"},
                {"endpoints", {{{"addresses", {"10.0.0.1"}}}}},
                {"ports", {{{"port", 8080}}}}};
  const std::string path = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
  Reply ok = Post(path, slice);
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(ok.body["ports"][0]["protocol"], "TCP");
  slice["metadata"]["name"] = "web-2";
  slice["endpoints"][0]["addresses"][0] = "fe80::1";
  Reply bad = Post(path, slice);
  EXPECT_EQ(bad.status, 422) << bad.raw;
}

}  // namespace
}  // namespace sluice::apiserver
