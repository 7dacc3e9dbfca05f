// The Deployment and ReplicaSet controllers judged by the real kubectl: Pods
// appear for a ReplicaSet made with `kubectl apply`, follow `kubectl scale`,
// show in `kubectl get rs,pods`, and go with the ReplicaSet (garbage
// collector); a Deployment gets a ReplicaSet per template (`kubectl set
// image` makes a second, the first goes to 0), `kubectl scale deploy`
// reaches its Pods and `kubectl rollout status` reads the status.
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_split.h"
#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::controllers {
namespace {

using ::sluice::apiserver::Result;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class KubectlWorkloadsControllersTest : public apiserver::KubectlTest {
 protected:
  // The Pods of app=`app` once there are `count` of them (10 s at most).
  static std::vector<std::string> PodsWhenThereAre(const std::string& app, size_t count) {
    std::vector<std::string> names;
    for (int i = 0; i < 50; ++i) {
      Result r = Kubectl("get pods -l app=" + app + " -o name");
      names = absl::StrSplit(r.output, '\n', absl::SkipEmpty());
      if (r.code == 0 && names.size() == count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return names;
  }
};

TEST_F(KubectlWorkloadsControllersTest, PodsFollowTheReplicaCountAndGoWithTheReplicaSet) {
  std::string rs = File("rs.yaml",
                        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: shop\n"
                        "  labels: {app: shop}\nspec:\n"
                        "  replicas: 2\n  selector:\n    matchLabels: {app: shop}\n  template:\n"
                        "    metadata:\n      labels: {app: shop}\n    spec:\n      containers:\n"
                        "      - {name: c, image: nginx}\n");
  Result applied = Kubectl("apply -f " + rs);
  ASSERT_EQ(applied.code, 0) << applied.output;
  std::vector<std::string> pods = PodsWhenThereAre("shop", 2);
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_THAT(pods[0], ::testing::MatchesRegex("pod/shop-[a-z0-9]{5}"));

  Result scaled = Kubectl("scale rs shop --replicas=3");
  ASSERT_EQ(scaled.code, 0) << scaled.output;
  EXPECT_EQ(PodsWhenThereAre("shop", 3).size(), 3u);
  // Pending without a node runtime: desired and current, none ready.
  // The status follows the Pods' events.
  Result table = KubectlUntil("get rs,pods -l app=shop", "replicaset.apps/shop +3 +3 +0");
  EXPECT_THAT(table.output, ContainsRegex("replicaset.apps/shop +3 +3 +0"));
  EXPECT_THAT(table.output, ContainsRegex("pod/shop-[a-z0-9]{5} +0/1 +Pending"));

  ASSERT_EQ(Kubectl("scale rs shop --replicas=1").code, 0);
  EXPECT_EQ(PodsWhenThereAre("shop", 1).size(), 1u);
  Result deleted = Kubectl("delete rs shop");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_EQ(PodsWhenThereAre("shop", 0).size(), 0u);
  EXPECT_THAT(Kubectl("get pods -l app=shop").output, HasSubstr("No resources found"));
}

TEST_F(KubectlWorkloadsControllersTest, DeploymentsGetAReplicaSetPerTemplateAndScale) {
  std::string deploy =
      File("deploy.yaml",
           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
           "  replicas: 2\n  selector:\n    matchLabels: {app: api}\n  template:\n"
           "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n"
           "      - {name: c, image: 'nginx:1'}\n");
  Result applied = Kubectl("apply -f " + deploy);
  ASSERT_EQ(applied.code, 0) << applied.output;
  std::vector<std::string> pods = PodsWhenThereAre("api", 2);
  ASSERT_EQ(pods.size(), 2u);
  // <deployment>-<pod-template-hash>-<5 characters>
  EXPECT_THAT(pods[0], ::testing::MatchesRegex("pod/api-[a-z0-9]+-[a-z0-9]{5}"));
  Result rs = KubectlUntil("get rs -l app=api", "api-[a-z0-9]+ +2 +2 +0");
  EXPECT_THAT(rs.output, ContainsRegex("api-[a-z0-9]+ +2 +2 +0"));
  // READY UP-TO-DATE AVAILABLE: no Pod runs without a node runtime.
  Result table = KubectlUntil("get deploy api", "api +0/2 +2 +0");
  EXPECT_THAT(table.output, ContainsRegex("api +0/2 +2 +0"));

  ASSERT_EQ(Kubectl("scale deploy api --replicas=3").code, 0);
  EXPECT_EQ(PodsWhenThereAre("api", 3).size(), 3u);

  Result set = Kubectl("set image deploy/api c=nginx:2");
  ASSERT_EQ(set.code, 0) << set.output;
  // The new template's ReplicaSet takes the 3 replicas, the old one none.
  Result sets = KubectlUntil(
      "get rs -l app=api -o 'jsonpath={range .items[*]}"
      "{.spec.template.spec.containers[0].image}={.spec.replicas} {end}'",
      "nginx:1=0 .*nginx:2=3|nginx:2=3 .*nginx:1=0");
  EXPECT_THAT(sets.output, ContainsRegex("nginx:1=0 .*nginx:2=3|nginx:2=3 .*nginx:1=0"));
  Result images = KubectlUntil(
      "get pods -l app=api -o 'jsonpath={range .items[*]}{.spec.containers[0].image} {end}'",
      "^nginx:2 nginx:2 nginx:2 $");
  EXPECT_EQ(images.output, "nginx:2 nginx:2 nginx:2 ");

  // rollout status reads the status: no Pod becomes available without a
  // node runtime, so it waits; at 0 replicas the rollout is complete.
  Result waiting = Kubectl("rollout status deploy/api --timeout=2s");
  EXPECT_NE(waiting.code, 0);
  EXPECT_THAT(waiting.output, HasSubstr("0 of 3 updated replicas are available"));
  ASSERT_EQ(Kubectl("scale deploy api --replicas=0").code, 0);
  Result done = Kubectl("rollout status deploy/api --timeout=20s");
  EXPECT_EQ(done.code, 0) << done.output;
  EXPECT_THAT(done.output, HasSubstr("deployment \"api\" successfully rolled out"));

  ASSERT_EQ(Kubectl("delete deploy api").code, 0);
  EXPECT_THAT(KubectlUntil("get rs -l app=api", "No resources").output,
              HasSubstr("No resources found"));
}

}  // namespace
}  // namespace sluice::controllers
