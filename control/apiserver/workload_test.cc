// apps/v1 Deployments and ReplicaSets: defaults, selector rules, generation,
// and the scale subresource that `kubectl scale` uses.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kDeployments[] = "/apis/apps/v1/namespaces/default/deployments";
constexpr char kReplicaSets[] = "/apis/apps/v1/namespaces/default/replicasets";

TEST_F(ApiServerTest, DeploymentGetsKubernetesDefaultsAndAnEmptyStatus) {
  json d = DeploymentJson("web");
  d["status"] = {{"readyReplicas", 7}};  // the controller's, not the client's
  Reply created = Post(kDeployments, d);
  ASSERT_EQ(created.status, 201) << created.raw;
  const json& spec = created.body["spec"];
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["strategy"],
            json({{"type", "RollingUpdate"},
                  {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}}));
  EXPECT_EQ(spec["revisionHistoryLimit"], 10);
  EXPECT_EQ(spec["progressDeadlineSeconds"], 600);
  const json& pod = spec["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Always");
  EXPECT_EQ(pod["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(pod["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(created.body["status"], json::object());
  EXPECT_EQ(created.body["metadata"]["generation"], 1);
}

TEST_F(ApiServerTest, RecreateStrategyGetsNoRollingUpdate) {
  json d = DeploymentJson("web");
  d["spec"]["strategy"] = {{"type", "Recreate"}};
  Reply created = Post(kDeployments, d);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["spec"]["strategy"], json({{"type", "Recreate"}}));
}

TEST_F(ApiServerTest, DeploymentWithoutSelectorIs422) {
  json d = DeploymentJson("web");
  d["spec"].erase("selector");
  Reply r = Post(kDeployments, d);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::ElementsAre("spec.selector"));
}

TEST_F(ApiServerTest, SelectorThatMissesTheTemplateLabelsIs422) {
  json d = DeploymentJson("web");
  d["spec"]["selector"]["matchLabels"]["app"] = "other";
  Reply r = Post(kDeployments, d);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::ElementsAre("spec.template.metadata.labels"));
  EXPECT_THAT(r.body["message"].get<std::string>(),
              HasSubstr("`selector` does not match template `labels`"));
}

TEST_F(ApiServerTest, DeploymentTemplateIsValidatedAsAPodSpec) {
  json d = DeploymentJson("web");
  d["spec"]["template"]["spec"]["containers"][0].erase("image");
  d["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  d["spec"]["replicas"] = -1;
  Reply r = Post(kDeployments, d);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::UnorderedElementsAre(
                                  "spec.replicas", "spec.template.spec.containers[0].image",
                                  "spec.template.spec.restartPolicy"));
}

TEST_F(ApiServerTest, BothRollingUpdateLimitsZeroIs422) {
  json d = DeploymentJson("web");
  d["spec"]["strategy"] = {{"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", "0%"}}}};
  Reply r = Post(kDeployments, d);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::ElementsAre("spec.strategy.rollingUpdate.maxUnavailable"));
}

TEST_F(ApiServerTest, SelectorIsImmutable) {
  ASSERT_EQ(Post(kDeployments, DeploymentJson("web")).status, 201);
  json d = DeploymentJson("web");
  d["spec"]["selector"]["matchLabels"]["tier"] = "x";
  d["spec"]["template"]["metadata"]["labels"]["tier"] = "x";
  Reply r = Call("PUT", std::string(kDeployments) + "/web", d.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::ElementsAre("spec.selector"));
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("field is immutable"));
}

TEST_F(ApiServerTest, GenerationCountsSpecChangesOnly) {
  ASSERT_EQ(Post(kDeployments, DeploymentJson("web")).status, 201);
  std::string item = std::string(kDeployments) + "/web";
  Reply labelled =
      Call("PATCH", item, R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json");
  EXPECT_EQ(labelled.body["metadata"]["generation"], 1);
  Reply scaled = Call("PATCH", item, R"({"spec":{"replicas":2}})", "application/merge-patch+json");
  EXPECT_EQ(scaled.body["metadata"]["generation"], 2);
  json with_generation = scaled.body;
  with_generation["metadata"]["generation"] = 99;  // server-owned
  Reply put = Call("PUT", item, with_generation.dump());
  EXPECT_EQ(put.body["metadata"]["generation"], 2);
}

TEST_F(ApiServerTest, ScaleSubresourceReadsReplicasAndSelector) {
  ASSERT_EQ(Post(kDeployments, DeploymentJson("web")).status, 201);
  Reply scale = Get(std::string(kDeployments) + "/web/scale");
  ASSERT_EQ(scale.status, 200) << scale.raw;
  EXPECT_EQ(scale.body["kind"], "Scale");
  EXPECT_EQ(scale.body["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(scale.body["metadata"]["name"], "web");
  EXPECT_EQ(scale.body["spec"]["replicas"], 1);
  EXPECT_EQ(scale.body["status"], json({{"replicas", 0}, {"selector", "app=web"}}));
}

TEST_F(ApiServerTest, ScalePatchChangesSpecReplicasOnly) {
  ASSERT_EQ(Post(kDeployments, DeploymentJson("web")).status, 201);
  Reply patched = Call("PATCH", std::string(kDeployments) + "/web/scale",
                       R"({"spec":{"replicas":3}})", "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["spec"]["replicas"], 3);
  Reply d = Get(std::string(kDeployments) + "/web");
  EXPECT_EQ(d.body["spec"]["replicas"], 3);
  EXPECT_EQ(d.body["metadata"]["generation"], 2);
  EXPECT_EQ(d.body["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27");
}

TEST_F(ApiServerTest, ScalePutHonoursResourceVersionAndRejectsNegativeReplicas) {
  ASSERT_EQ(Post(kReplicaSets, DeploymentJson("rs1", "ReplicaSet")).status, 201);
  std::string at = std::string(kReplicaSets) + "/rs1/scale";
  json scale = Get(at).body;
  scale["spec"]["replicas"] = 5;
  Reply put = Call("PUT", at, scale.dump());
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(Get(std::string(kReplicaSets) + "/rs1").body["spec"]["replicas"], 5);
  Reply stale = Call("PUT", at, scale.dump());  // the first resourceVersion again
  EXPECT_EQ(stale.status, 409);
  scale = Get(at).body;
  scale["spec"]["replicas"] = -2;
  Reply negative = Call("PUT", at, scale.dump());
  EXPECT_EQ(negative.status, 422);
  EXPECT_EQ(negative.body["details"]["causes"][0]["field"], "spec.replicas");
}

TEST_F(ApiServerTest, ScaleIsServedOnlyForWorkloads) {
  EXPECT_EQ(Get("/api/v1/namespaces/default/services/x/scale").status, 404);
  EXPECT_EQ(Get("/api/v1/namespaces/default/configmaps/x/status").status, 404);
  EXPECT_EQ(Get(std::string(kDeployments) + "/missing/scale").status, 404);
}

TEST_F(ApiServerTest, DeploymentAndReplicaSetTablesHaveKubectlsColumns) {
  json d = DeploymentJson("web");
  d["spec"]["replicas"] = 3;
  ASSERT_EQ(Post(kDeployments, d).status, 201);
  json status = Get(std::string(kDeployments) + "/web").body;
  status["status"] = {
      {"replicas", 3}, {"readyReplicas", 2}, {"updatedReplicas", 3}, {"availableReplicas", 2}};
  ASSERT_EQ(Call("PUT", std::string(kDeployments) + "/web/status", status.dump()).status, 200);
  Reply table = Call("GET", kDeployments, "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Ready", "Up-to-date", "Available", "Age",
                                     "Containers", "Images", "Selector"));
  EXPECT_EQ(table.body["rows"][0]["cells"][1], "2/3");
  EXPECT_EQ(table.body["rows"][0]["cells"][2], 3);
  EXPECT_EQ(table.body["rows"][0]["cells"][6], "nginx:1.27");
  EXPECT_EQ(table.body["rows"][0]["cells"][7], "app=web");

  ASSERT_EQ(Post(kReplicaSets, DeploymentJson("rs1", "ReplicaSet")).status, 201);
  Reply rs = Call("GET", kReplicaSets, "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(rs), ::testing::ElementsAre("Name", "Desired", "Current", "Ready", "Age",
                                                      "Containers", "Images", "Selector"));
  EXPECT_EQ(rs.body["rows"][0]["cells"][1], 1);
  EXPECT_EQ(rs.body["rows"][0]["cells"][2], 0);
}

}  // namespace
}  // namespace sluice::apiserver
