// The ReplicaSet controller on a real store: Pods made from the template and
// owned by the ReplicaSet, scaled down in Kubernetes' order, replaced when
// deleted, and the status counts.
#include "control/controllers/replica_set_controller.h"

#include "control/apiserver/resources.h"
#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

class ReplicaSetControllerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    controller_ = std::make_unique<ReplicaSetController>(store_.get(), handler_.get(), &registry_);
  }
  void TearDown() override {
    controller_.reset();
    StoreTest::TearDown();
  }

  apiserver::ResourcePath Rs(const std::string& name = "") {
    return {.type = registry_.Find("apps", "v1", "replicasets"), .ns = "default", .name = name};
  }
  apiserver::ResourcePath Pods(const std::string& name = "") {
    return {.type = registry_.Find("", "v1", "pods"), .ns = "default", .name = name};
  }
  json CreateRs(const std::string& name, int replicas) {
    json rs = {{"metadata", {{"name", name}}}, {"spec", WorkloadSpec(name, replicas)}};
    auto created = handler_->Create(Rs(), rs);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }
  std::vector<json> PodsOf(const json& rs) {
    std::vector<json> owned;
    auto list = handler_->List(Pods(), {});
    if (!list.ok()) return owned;
    for (const json& pod : (*list)["items"])
      for (const json& ref : apiserver::ArrayAt(pod, "/metadata/ownerReferences"))
        if (ref["uid"] == rs["metadata"]["uid"] && !pod["metadata"].contains("deletionTimestamp"))
          owned.push_back(pod);
    return owned;
  }
  void Scale(const std::string& name, int replicas) {
    auto patched = handler_->Patch(Rs(name), json({{"spec", {{"replicas", replicas}}}}).dump(),
                                   "application/merge-patch+json");
    ASSERT_TRUE(patched.ok()) << patched.status();
  }
  json Status(const std::string& name) {
    auto got = handler_->Get(Rs(name));
    return got.ok() ? (*got).value("status", json()) : json();
  }

  std::unique_ptr<ReplicaSetController> controller_;
};

TEST_F(ReplicaSetControllerTest, MakesPodsFromTheTemplateOwnedByTheReplicaSet) {
  json rs = CreateRs("web", 3);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> pods = PodsOf(rs);
  ASSERT_EQ(pods.size(), 3u);
  for (const json& pod : pods) {
    EXPECT_THAT(pod["metadata"]["name"].get<std::string>(), ::testing::MatchesRegex("web-.{5}"));
    EXPECT_EQ(pod["metadata"]["labels"], json({{"app", "web"}}));
    EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx");
    const json& ref = pod["metadata"]["ownerReferences"][0];
    EXPECT_EQ(ref["kind"], "ReplicaSet");
    EXPECT_EQ(ref["controller"], true);
    EXPECT_EQ(ref["blockOwnerDeletion"], true);
  }
  // The status counts what the next sync sees.
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  EXPECT_EQ(Status("web"),
            json({{"replicas", 3}, {"fullyLabeledReplicas", 3}, {"observedGeneration", 1}}));
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  EXPECT_EQ(PodsOf(rs).size(), 3u);
}

TEST_F(ReplicaSetControllerTest, ScalingDownDeletesUnscheduledPodsFirst) {
  json rs = CreateRs("web", 3);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> pods = PodsOf(rs);
  ASSERT_EQ(pods.size(), 3u);
  // Two of them are on a node; the third is the one to go.
  for (int i : {0, 1}) {
    json bound = pods[i];
    bound["spec"]["nodeName"] = "n1";
    json key = bound["metadata"]["name"];
    Put(registry_.Find("", "v1", "pods")->Key("default", key.get<std::string>()), bound);
  }
  Scale("web", 2);
  ASSERT_TRUE(controller_->Sync("default", "web").ok());
  std::vector<json> left = PodsOf(rs);
  ASSERT_EQ(left.size(), 2u);
  for (const json& pod : left) EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  EXPECT_FALSE(handler_->Get(Pods(pods[2]["metadata"]["name"])).ok());
}

TEST_F(ReplicaSetControllerTest, RunningControllerReplacesDeletedPodsAndCountsReadyOnes) {
  json rs = CreateRs("web", 2);
  controller_->Start();
  ASSERT_TRUE(WaitFor([&] { return PodsOf(rs).size() == 2; }));
  std::string gone = PodsOf(rs)[0]["metadata"]["name"];
  ASSERT_TRUE(handler_->Delete(Pods(gone)).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::vector<json> pods = PodsOf(rs);
    return pods.size() == 2 && pods[0]["metadata"]["name"] != gone &&
           pods[1]["metadata"]["name"] != gone;
  }));
  // A Pod turning Ready shows in the status.
  json ready = PodsOf(rs)[0];
  ready["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
  Put(registry_.Find("", "v1", "pods")->Key("default", ready["metadata"]["name"]), ready);
  EXPECT_TRUE(WaitFor([&] { return Status("web").value("readyReplicas", 0) == 1; }))
      << Status("web").dump();
  EXPECT_EQ(Status("web")["availableReplicas"], 1);
  Scale("web", 0);
  EXPECT_TRUE(WaitFor([&] { return PodsOf(rs).empty() && Status("web")["replicas"] == 0; }));
  EXPECT_EQ(Status("web")["observedGeneration"], 2);
}

}  // namespace
}  // namespace sluice::controllers
