// The Deployment controller on a real store: one ReplicaSet per template,
// named and labelled by its pod-template-hash, following spec.replicas, older
// ones at 0, and the status summed from the ReplicaSets.
#include "control/controllers/deployment_controller.h"

#include "control/apiserver/resources.h"
#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

class DeploymentControllerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    controller_ = std::make_unique<DeploymentController>(store_.get(), handler_.get(), &registry_);
  }
  void TearDown() override {
    controller_.reset();
    StoreTest::TearDown();
  }

  apiserver::ResourcePath Path(const std::string& plural, const std::string& name = "") {
    return {.type = registry_.Find("apps", "v1", plural), .ns = "default", .name = name};
  }
  json CreateDeployment(const std::string& name, int replicas) {
    json deploy = {{"metadata", {{"name", name}}},
                   {"spec", WorkloadSpec(name, replicas, "nginx:1")}};
    auto created = handler_->Create(Path("deployments"), deploy);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }
  void MergePatch(const std::string& plural, const std::string& name, const json& patch,
                  const std::string& subresource = "") {
    apiserver::ResourcePath path = Path(plural, name);
    path.subresource = subresource;
    auto patched = handler_->Patch(path, patch.dump(), "application/merge-patch+json");
    ASSERT_TRUE(patched.ok()) << patched.status();
  }
  std::vector<json> ReplicaSets() {
    auto list = handler_->List(Path("replicasets"), {});
    std::vector<json> items;
    if (list.ok())
      for (const json& rs : (*list)["items"]) items.push_back(rs);
    return items;
  }

  std::unique_ptr<DeploymentController> controller_;
};

TEST_F(DeploymentControllerTest, MakesOneReplicaSetForTheTemplate) {
  json deploy = CreateDeployment("web", 2);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> sets = ReplicaSets();
  ASSERT_EQ(sets.size(), 1u);
  const json& rs = sets[0];
  std::string hash = PodTemplateHash(deploy["spec"]["template"]);
  EXPECT_EQ(rs["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs["metadata"]["labels"], json({{"app", "web"}, {"pod-template-hash", hash}}));
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"],
            json({{"app", "web"}, {"pod-template-hash", hash}}));
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["replicas"], 2);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], deploy["metadata"]["uid"]);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["controller"], true);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  EXPECT_EQ(ReplicaSets().size(), 1u);
}

TEST_F(DeploymentControllerTest, ScalingAndANewTemplateMoveTheReplicas) {
  CreateDeployment("web", 2);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  MergePatch("deployments", "web", {{"spec", {{"replicas", 4}}}});
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  ASSERT_EQ(ReplicaSets().size(), 1u);
  EXPECT_EQ(ReplicaSets()[0]["spec"]["replicas"], 4);
  std::string old_name = ReplicaSets()[0]["metadata"]["name"];

  json image = {
      {"spec",
       {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:2"}}}}}}}}}}};
  MergePatch("deployments", "web", image);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> sets = ReplicaSets();
  ASSERT_EQ(sets.size(), 2u);
  for (const json& rs : sets) {
    bool old = rs["metadata"]["name"] == old_name;
    EXPECT_EQ(rs["spec"]["replicas"], old ? 0 : 4) << rs["metadata"]["name"];
    if (!old) {
      EXPECT_EQ(rs["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:2");
    }
  }
}

TEST_F(DeploymentControllerTest, StatusSumsTheReplicaSets) {
  CreateDeployment("web", 3);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::string rs = ReplicaSets()[0]["metadata"]["name"];
  MergePatch("replicasets", rs,
             {{"status", {{"replicas", 3}, {"readyReplicas", 2}, {"availableReplicas", 1}}}},
             "status");
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  auto got = handler_->Get(Path("deployments", "web"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["status"], json({{"observedGeneration", 1},
                                    {"replicas", 3},
                                    {"updatedReplicas", 3},
                                    {"readyReplicas", 2},
                                    {"availableReplicas", 1},
                                    {"unavailableReplicas", 2}}));
}

}  // namespace
}  // namespace sluice::controllers
