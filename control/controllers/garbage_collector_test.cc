// The garbage collector on a real store: cascades in the background, orphans,
// foreground deletion waiting for blocking dependents, owners that survive,
// dangling and unresolvable references.
#include "control/controllers/garbage_collector.h"

#include "control/apiserver/api_error.h"
#include "control/controllers/controllers_test_util.h"
#include "gmock/gmock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

class GarbageCollectorTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    collector_ = std::make_unique<GarbageCollector>(store_.get(), handler_.get(), &registry_);
  }
  void TearDown() override {
    collector_.reset();
    StoreTest::TearDown();
  }

  apiserver::ResourcePath Path(const std::string& plural, const std::string& name = "") {
    const apiserver::ResourceType* type = registry_.Find("", "v1", plural);
    if (type == nullptr) type = registry_.Find("apps", "v1", plural);
    return {.type = type, .ns = "default", .name = name};
  }
  // An ownerReference to `owner` as the handler returned it.
  static json RefTo(const json& owner, bool block = true) {
    return {{"apiVersion", owner["apiVersion"]},
            {"kind", owner["kind"]},
            {"name", owner["metadata"]["name"]},
            {"uid", owner["metadata"]["uid"]},
            {"controller", true},
            {"blockOwnerDeletion", block}};
  }
  // A reference to a ConfigMap that was never made.
  static json NeverExisted() {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"name", "never"},
            {"uid", "00000000-0000-4000-8000-000000000000"}};
  }
  json Create(const std::string& plural, json object) {
    auto created = handler_->Create(Path(plural), std::move(object));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }
  json ConfigMap(const std::string& name, const json& refs = json::array(),
                 const json& finalizers = json::array()) {
    json cm = {{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
    if (!refs.empty()) cm["metadata"]["ownerReferences"] = refs;
    if (!finalizers.empty()) cm["metadata"]["finalizers"] = finalizers;
    return Create("configmaps", cm);
  }
  json Deployment(const std::string& name) {
    return Create("deployments", {{"metadata", {{"name", name}}}, {"spec", WorkloadSpec(name, 0)}});
  }
  json ReplicaSet(const std::string& name, const json& owner, const json& finalizers = {}) {
    json rs = {{"metadata", {{"name", name}, {"ownerReferences", json::array({RefTo(owner)})}}},
               {"spec", WorkloadSpec(name, 0)}};
    if (!finalizers.is_null()) rs["metadata"]["finalizers"] = finalizers;
    return Create("replicasets", rs);
  }
  json Pod(const std::string& name, const json& owner) {
    json containers = json::array({{{"name", "c"}, {"image", "nginx"}}});
    return Create("pods",
                  {{"metadata", {{"name", name}, {"ownerReferences", json::array({RefTo(owner)})}}},
                   {"spec", {{"containers", containers}}}});
  }
  bool Exists(const std::string& plural, const std::string& name) {
    return handler_->Get(Path(plural, name)).ok();
  }
  json Get(const std::string& plural, const std::string& name) {
    auto got = handler_->Get(Path(plural, name));
    return got.ok() ? *got : json();
  }
  absl::Status Delete(const std::string& plural, const std::string& name,
                      const std::string& policy = "") {
    return handler_->Delete(Path(plural, name), {.propagation_policy = policy}).status();
  }
  absl::Status MergePatch(const std::string& plural, const std::string& name, const json& patch) {
    return handler_->Patch(Path(plural, name), patch.dump(), "application/merge-patch+json")
        .status();
  }

  std::unique_ptr<GarbageCollector> collector_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionCollectsDependentsAndTheirDependents) {
  json deploy = Deployment("web");
  json rs = ReplicaSet("web-1", deploy);
  Pod("web-1-a", rs);
  Pod("web-1-b", rs);
  collector_->Start();
  ASSERT_TRUE(Delete("deployments", "web").ok());
  EXPECT_FALSE(Exists("deployments", "web"));
  EXPECT_TRUE(WaitFor([&] {
    return !Exists("replicasets", "web-1") && !Exists("pods", "web-1-a") &&
           !Exists("pods", "web-1-b");
  }));
}

TEST_F(GarbageCollectorTest, OwnersThatStillExistKeepTheirDependents) {
  json deploy = Deployment("web");
  ReplicaSet("web-1", deploy);
  json other = ConfigMap("other");
  ConfigMap("unrelated", json::array({RefTo(other)}));
  collector_->Start();
  ASSERT_TRUE(Delete("configmaps", "other").ok());
  ASSERT_TRUE(WaitFor([&] { return !Exists("configmaps", "unrelated"); }));
  EXPECT_TRUE(Exists("replicasets", "web-1"));
}

TEST_F(GarbageCollectorTest, DependentWithALiveOwnerLosesOnlyTheReferenceToTheGoneOne) {
  json a = ConfigMap("a");
  json b = ConfigMap("b");
  json ref_b = RefTo(b);
  ref_b["controller"] = false;
  ConfigMap("shared", json::array({RefTo(a), ref_b}));
  collector_->Start();
  ASSERT_TRUE(Delete("configmaps", "a").ok());
  ASSERT_TRUE(WaitFor([&] {
    return Get("configmaps", "shared")["metadata"].value("ownerReferences", json()).size() == 1;
  }));
  EXPECT_EQ(Get("configmaps", "shared")["metadata"]["ownerReferences"][0]["uid"],
            b["metadata"]["uid"]);
}

TEST_F(GarbageCollectorTest, OrphanPolicyRemovesTheReferencesThenLetsTheOwnerGo) {
  json deploy = Deployment("web");
  ReplicaSet("web-1", deploy);
  ASSERT_TRUE(Delete("deployments", "web", "Orphan").ok());
  // Nothing collects yet: the owner waits with the orphan finalizer.
  json waiting = Get("deployments", "web");
  EXPECT_EQ(waiting["metadata"]["finalizers"], json({"orphan"}));
  EXPECT_TRUE(waiting["metadata"].contains("deletionTimestamp"));
  collector_->Start();
  ASSERT_TRUE(WaitFor([&] { return !Exists("deployments", "web"); }));
  json rs = Get("replicasets", "web-1");
  ASSERT_FALSE(rs.is_null());
  EXPECT_FALSE(rs["metadata"].contains("ownerReferences")) << rs.dump();
}

TEST_F(GarbageCollectorTest, ForegroundOwnerStaysUntilItsBlockingDependentsAreGone) {
  json deploy = Deployment("web");
  json rs = ReplicaSet("web-1", deploy, {"example.com/hold"});
  Pod("web-1-a", rs);
  collector_->Start();
  ASSERT_TRUE(Delete("deployments", "web", "Foreground").ok());
  // The ReplicaSet is deleted in turn (its Pod first) but its own finalizer
  // holds it, and with it the Deployment.
  ASSERT_TRUE(WaitFor([&] {
    return !Exists("pods", "web-1-a") &&
           Get("replicasets", "web-1")["metadata"].contains("deletionTimestamp");
  })) << Get("replicasets", "web-1").dump();
  json held = Get("deployments", "web");
  ASSERT_FALSE(held.is_null());
  EXPECT_TRUE(held["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(held["metadata"]["finalizers"], json({"foregroundDeletion"}));
  absl::Status released =
      MergePatch("replicasets", "web-1", {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_TRUE(released.ok()) << released;
  EXPECT_TRUE(WaitFor([&] { return !Exists("deployments", "web"); }));
  EXPECT_FALSE(Exists("replicasets", "web-1"));
}

TEST_F(GarbageCollectorTest, ForegroundOwnerDoesNotWaitForNonBlockingDependents) {
  json owner = ConfigMap("owner");
  ConfigMap("loose", json::array({RefTo(owner, false)}), {"example.com/hold"});
  collector_->Start();
  ASSERT_TRUE(Delete("configmaps", "owner", "Foreground").ok());
  ASSERT_TRUE(WaitFor([&] { return !Exists("configmaps", "owner"); }));
  json loose = Get("configmaps", "loose");
  ASSERT_FALSE(loose.is_null());
  EXPECT_TRUE(loose["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(MergePatch("configmaps", "loose", {{"metadata", {{"finalizers", nullptr}}}}).ok());
}

TEST_F(GarbageCollectorTest, ReferencesToAbsentOrReplacedOwnersAreCollectedAtStart) {
  json old_owner = ConfigMap("owner");
  ConfigMap("stale", json::array({RefTo(old_owner)}));
  // The owner goes and another object of the same name comes, while the
  // collector is not running: the uid tells them apart.
  ASSERT_TRUE(Delete("configmaps", "owner").ok());
  json new_owner = ConfigMap("owner");
  ConfigMap("current", json::array({RefTo(new_owner)}));
  ConfigMap("dangling", json::array({NeverExisted()}));
  collector_->Start();
  EXPECT_TRUE(
      WaitFor([&] { return !Exists("configmaps", "stale") && !Exists("configmaps", "dangling"); }));
  EXPECT_TRUE(Exists("configmaps", "current"));
}

TEST_F(GarbageCollectorTest, UnresolvableOwnerKindsAreLeftAlone) {
  json widget = {{"apiVersion", "example.com/v1"},
                 {"kind", "Widget"},
                 {"name", "w"},
                 {"uid", "00000000-0000-4000-8000-000000000001"}};
  ConfigMap("a-widget-config", json::array({widget}));
  ConfigMap("dangling", json::array({NeverExisted()}));
  collector_->Start();
  // Both are looked at in the first pass, the one that sorts first first.
  ASSERT_TRUE(WaitFor([&] { return !Exists("configmaps", "dangling"); }));
  EXPECT_TRUE(Exists("configmaps", "a-widget-config"));
}

TEST_F(GarbageCollectorTest, ClusterScopedOwnersCollectNamespacedDependents) {
  auto node = handler_->Create({.type = registry_.Find("", "v1", "nodes")},
                               {{"metadata", {{"name", "n1"}}}});
  ASSERT_TRUE(node.ok()) << node.status();
  ConfigMap("node-config", json::array({RefTo(*node)}));
  collector_->Start();
  ASSERT_TRUE(handler_->Delete({.type = registry_.Find("", "v1", "nodes"), .name = "n1"}).ok());
  EXPECT_TRUE(WaitFor([&] { return !Exists("configmaps", "node-config"); }));
}

}  // namespace
}  // namespace sluice::controllers
