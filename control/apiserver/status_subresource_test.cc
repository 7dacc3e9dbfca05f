// The status subresource: writes to /status change status alone, writes to
// the object keep status; discovery lists both subresources.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kServices[] = "/api/v1/namespaces/default/services";
constexpr char kDeployments[] = "/apis/apps/v1/namespaces/default/deployments";

TEST_F(ApiServerTest, StatusPutChangesStatusButNotSpecOrLabels) {
  ASSERT_EQ(Post(kDeployments, DeploymentJson("web")).status, 201);
  json d = Get(std::string(kDeployments) + "/web").body;
  d["spec"]["replicas"] = 9;
  d["metadata"]["labels"] = {{"sneaky", "yes"}};
  d["status"] = {{"replicas", 1}, {"observedGeneration", 1}};
  Reply put = Call("PUT", std::string(kDeployments) + "/web/status", d.dump());
  ASSERT_EQ(put.status, 200) << put.raw;
  Reply got = Get(std::string(kDeployments) + "/web");
  EXPECT_EQ(got.body["status"], json({{"replicas", 1}, {"observedGeneration", 1}}));
  EXPECT_EQ(got.body["spec"]["replicas"], 1);
  EXPECT_FALSE(got.body["metadata"].contains("labels"));
  EXPECT_EQ(got.body["metadata"]["generation"], 1);
}

TEST_F(ApiServerTest, UpdateOfTheObjectKeepsTheStoredStatus) {
  ASSERT_EQ(Post(kServices, ServiceJson("lb")).status, 201);
  Reply status = Call("PATCH", std::string(kServices) + "/lb/status",
                      R"({"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}}})",
                      "application/merge-patch+json");
  ASSERT_EQ(status.status, 200) << status.raw;
  EXPECT_EQ(status.body["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.7");
  json svc = status.body;
  svc["status"] = {{"loadBalancer", json::object()}};
  svc["spec"]["ports"][0]["port"] = 81;
  Reply put = Call("PUT", std::string(kServices) + "/lb", svc.dump());
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["spec"]["ports"][0]["port"], 81);
  EXPECT_EQ(put.body["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.7");
  Reply patched = Call("PATCH", std::string(kServices) + "/lb", R"({"status":null})",
                       "application/merge-patch+json");
  EXPECT_EQ(patched.body["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.7");
}

TEST_F(ApiServerTest, StatusWriteWithAStaleResourceVersionIs409) {
  Reply created = Post(kDeployments, DeploymentJson("web"));
  ASSERT_EQ(Call("PATCH", std::string(kDeployments) + "/web",
                 R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json")
                .status,
            200);
  json stale = created.body;
  stale["status"] = {{"replicas", 1}};
  EXPECT_EQ(Call("PUT", std::string(kDeployments) + "/web/status", stale.dump()).status, 409);
}

TEST_F(ApiServerTest, DiscoveryListsStatusAndScaleSubresources) {
  Reply apps = Get("/apis/apps/v1");
  ASSERT_EQ(apps.status, 200);
  std::map<std::string, json> by_name;
  for (const json& r : apps.body["resources"]) by_name[r["name"]] = r;
  ASSERT_TRUE(by_name.count("deployments/scale"));
  EXPECT_EQ(by_name["deployments/scale"]["group"], "autoscaling");
  EXPECT_EQ(by_name["deployments/scale"]["version"], "v1");
  EXPECT_EQ(by_name["deployments/scale"]["kind"], "Scale");
  EXPECT_EQ(by_name["replicasets/status"]["kind"], "ReplicaSet");
  EXPECT_EQ(by_name["deployments"]["shortNames"], json({"deploy"}));
  EXPECT_EQ(by_name["deployments"]["categories"], json({"all"}));
  Reply core = Get("/api/v1");
  std::map<std::string, json> core_by_name;
  for (const json& r : core.body["resources"]) core_by_name[r["name"]] = r;
  for (const char* name : {"pods/status", "nodes/status", "services/status"})
    EXPECT_TRUE(core_by_name.count(name)) << name;
  EXPECT_FALSE(core_by_name.count("configmaps/status"));
  EXPECT_EQ(core_by_name["nodes"]["namespaced"], false);
  EXPECT_EQ(core_by_name["pods"]["shortNames"], json({"po"}));
  EXPECT_EQ(core_by_name["events"]["shortNames"], json({"ev"}));
  EXPECT_TRUE(Get("/apis/coordination.k8s.io/v1").body["resources"].size() == 1u);
}

}  // namespace
}  // namespace sluice::apiserver
