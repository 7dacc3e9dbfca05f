// The smaller core types: Nodes (cluster-scoped), Secrets, ServiceAccounts,
// Endpoints, Events, and coordination.k8s.io Leases.
#include "absl/time/time.h"
#include "control/apiserver/apiserver_test_util.h"
#include "control/apiserver/object_meta.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kSecrets[] = "/api/v1/namespaces/default/secrets";

json Cells(const Reply& table, size_t row = 0) {
  return table.body["rows"][row]["cells"];
}

TEST_F(ApiServerTest, NodesAreClusterScopedAndKeepTheStatusTheyRegisterWith) {
  json node = {
      {"metadata", {{"name", "n1"}, {"labels", {{"node-role.kubernetes.io/control-plane", ""}}}}},
      {"status",
       {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
        {"addresses", {{{"type", "InternalIP"}, {"address", "192.168.1.10"}}}},
        {"capacity", {{"cpu", "2"}}},
        {"nodeInfo", {{"kubeletVersion", "v1.32.0-sluice"}, {"osImage", "Debian 12"}}}}}};
  Reply created = Post("/api/v1/nodes", node);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_FALSE(created.body["metadata"].contains("namespace"));
  EXPECT_EQ(created.body["status"]["allocatable"], json({{"cpu", "2"}}));
  EXPECT_EQ(Get("/api/v1/namespaces/default/nodes/n1").status, 404);
  Reply table = Call("GET", "/api/v1/nodes", "", "", kTableAccept);
  EXPECT_THAT(
      ColumnNames(table),
      ::testing::ElementsAre("Name", "Status", "Roles", "Age", "Version", "Internal-IP",
                             "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"));
  json cells = Cells(table);
  EXPECT_EQ(cells[1], "Ready");
  EXPECT_EQ(cells[2], "control-plane");
  EXPECT_EQ(cells[4], "v1.32.0-sluice");
  EXPECT_EQ(cells[5], "192.168.1.10");
  EXPECT_EQ(cells[6], "<none>");
  EXPECT_EQ(cells[8], "<unknown>");
}

TEST_F(ApiServerTest, CordonedNodeShowsSchedulingDisabled) {
  ASSERT_EQ(Post("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status, 201);
  ASSERT_EQ(Call("PATCH", "/api/v1/nodes/n1", R"({"spec":{"unschedulable":true}})",
                 "application/merge-patch+json")
                .status,
            200);
  Reply table = Call("GET", "/api/v1/nodes/n1", "", "", kTableAccept);
  EXPECT_EQ(Cells(table)[1], "Unknown,SchedulingDisabled");
  EXPECT_EQ(Cells(table)[2], "<none>");
}

TEST_F(ApiServerTest, SecretDefaultsToOpaqueAndFoldsStringDataIntoData) {
  json secret = {{"metadata", {{"name", "s"}}},
                 {"data", {{"a", "aGVsbG8="}}},
                 {"stringData", {{"b", "world"}}}};
  Reply created = Post(kSecrets, secret);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["type"], "Opaque");
  EXPECT_EQ(created.body["data"], json({{"a", "aGVsbG8="}, {"b", "d29ybGQ="}}));
  EXPECT_FALSE(created.body.contains("stringData"));
  Reply table = Call("GET", kSecrets, "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(table), ::testing::ElementsAre("Name", "Type", "Data", "Age"));
  EXPECT_EQ(Cells(table)[1], "Opaque");
  EXPECT_EQ(Cells(table)[2], 2);
}

TEST_F(ApiServerTest, SecretDataMustBeBase64WithValidKeys) {
  json secret = {{"metadata", {{"name", "s"}}}, {"data", {{"a", "not base64!"}, {"b/c", "eA=="}}}};
  Reply r = Post(kSecrets, secret);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::UnorderedElementsAre("data[a]", "data[b/c]"));
}

TEST_F(ApiServerTest, TlsSecretNeedsItsKeysAndTypeIsImmutable) {
  json tls = {{"metadata", {{"name", "t"}}}, {"type", "kubernetes.io/tls"}};
  Reply r = Post(kSecrets, tls);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("data[tls.crt]: Required value"));
  ASSERT_EQ(Post(kSecrets, {{"metadata", {{"name", "o"}}}}).status, 201);
  Reply changed = Call("PATCH", std::string(kSecrets) + "/o", R"({"type":"Other"})",
                       "application/merge-patch+json");
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(changed.body["details"]["causes"][0]["field"], "type");
}

TEST_F(ApiServerTest, ServiceAccountTableCountsSecrets) {
  json sa = {{"metadata", {{"name", "builder"}}}, {"secrets", {{{"name", "tok"}}}}};
  ASSERT_EQ(Post("/api/v1/namespaces/default/serviceaccounts", sa).status, 201);
  Reply table = Call("GET", "/api/v1/namespaces/default/serviceaccounts", "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(table), ::testing::ElementsAre("Name", "Secrets", "Age"));
  EXPECT_EQ(Cells(table)[1], 1);
}

TEST_F(ApiServerTest, EndpointsTableShowsTheFirstThreeAddressPorts) {
  json ep = {{"metadata", {{"name", "web"}}},
             {"subsets",
              {{{"addresses", {{{"ip", "10.0.0.1"}}, {{"ip", "10.0.0.2"}}}},
                {"ports", {{{"port", 80}}, {{"port", 443}}}}}}}};
  Reply created = Post("/api/v1/namespaces/default/endpoints", ep);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["subsets"][0]["ports"][0]["protocol"], "TCP");
  Reply table = Call("GET", "/api/v1/namespaces/default/endpoints", "", "", kTableAccept);
  EXPECT_EQ(Cells(table)[1], "10.0.0.1:80,10.0.0.1:443,10.0.0.2:80 + 1 more...");
  ep["metadata"]["name"] = "bad";
  ep["subsets"][0]["addresses"][0]["ip"] = "ten";
  Reply bad = Post("/api/v1/namespaces/default/endpoints", ep);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["details"]["causes"][0]["field"], "subsets[0].addresses[0].ip");
}

TEST_F(ApiServerTest, EventTableStartsWithLastSeenAndNamesTheObject) {
  std::string ten_minutes_ago = FormatTimestamp(absl::Now() - absl::Minutes(10));
  std::string a_minute_ago = FormatTimestamp(absl::Now() - absl::Minutes(1));
  json ev = {{"metadata", {{"name", "web.1"}}},
             {"involvedObject", {{"kind", "Pod"}, {"name", "web"}, {"namespace", "default"}}},
             {"type", "Warning"},
             {"reason", "BackOff"},
             {"message", "Back-off restarting failed container"},
             {"count", 3},
             {"firstTimestamp", ten_minutes_ago},
             {"lastTimestamp", a_minute_ago}};
  ASSERT_EQ(Post("/api/v1/namespaces/default/events", ev).status, 201);
  Reply table = Call("GET", "/api/v1/namespaces/default/events", "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Last Seen", "Type", "Reason", "Object", "Subobject", "Source",
                                     "Message", "First Seen", "Count", "Name"));
  json cells = Cells(table);
  EXPECT_THAT(cells[0].get<std::string>(), ::testing::MatchesRegex("[0-9]+s \\(x3 over 10m\\)"));
  EXPECT_EQ(cells[1], "Warning");
  EXPECT_EQ(cells[3], "pod/web");
  EXPECT_EQ(cells[9], "web.1");
  Reply about_web =
      Get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod,"
          "involvedObject.name%3Dweb");
  ASSERT_EQ(about_web.status, 200) << about_web.raw;
  EXPECT_EQ(about_web.body["items"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dother")
                .body["items"]
                .size(),
            0u);
  ev["metadata"]["name"] = "elsewhere";
  ev["involvedObject"]["namespace"] = "kube-system";
  EXPECT_EQ(Post("/api/v1/namespaces/default/events", ev).status, 422);
}

TEST_F(ApiServerTest, LeasesAreServedInTheCoordinationGroup) {
  json lease = {{"metadata", {{"name", "n1"}}},
                {"spec", {{"holderIdentity", "n1"}, {"leaseDurationSeconds", 40}}}};
  std::string leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
  Reply created = Post(leases, lease);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["apiVersion"], "coordination.k8s.io/v1");
  Reply table = Call("GET", leases, "", "", kTableAccept);
  EXPECT_EQ(Cells(table)[1], "n1");
  lease["metadata"]["name"] = "n2";
  lease["spec"]["leaseDurationSeconds"] = 0;
  Reply bad = Post(leases, lease);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["details"]["causes"][0]["field"], "spec.leaseDurationSeconds");
}

}  // namespace
}  // namespace sluice::apiserver
