// Garbage collection judged by the real kubectl: a ReplicaSet (and its Pod)
// owned by a Deployment goes with `kubectl delete deploy`, stays without its
// ownerReferences after `--cascade=orphan`, and with `--cascade=foreground`
// the Deployment stays visible, marked, until its dependents are gone.
#include <chrono>
#include <string>
#include <thread>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::controllers {
namespace {

using ::sluice::apiserver::Result;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class KubectlGarbageCollectorTest : public apiserver::KubectlTest {
 protected:
  static std::string Uid(const std::string& what) {
    Result r = Kubectl("get " + what + " -o jsonpath={.metadata.uid}");
    EXPECT_EQ(r.code, 0) << r.output;
    return r.output;
  }

  static std::string Template(const std::string& app) {
    return "  selector:\n    matchLabels: {app: " + app +
           "}\n  template:\n    metadata:\n      labels: {app: " + app +
           "}\n    spec:\n      containers:\n      - {name: c, image: nginx}\n";
  }

  static std::string OwnerRef(const std::string& api_version, const std::string& kind,
                              const std::string& name, const std::string& uid,
                              bool controller = true) {
    return "  ownerReferences:\n  - {apiVersion: " + api_version + ", kind: " + kind +
           ", name: " + name + ", uid: " + uid +
           ", controller: " + (controller ? "true" : "false") + ", blockOwnerDeletion: true}\n";
  }

  // Deployment `name`, ReplicaSet `name`-1 owned by it (with `rs_meta` added
  // to its metadata; 0 replicas) and Pod `name`-1-a owned by that, with
  // kubectl apply. The Pod's reference is not the controller's, so the
  // ReplicaSet controller does not count it (and delete it as surplus).
  static void MakeDeploymentTree(const std::string& name, const std::string& rs_meta = "") {
    std::string deploy = File(name + "-deploy.yaml",
                              "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
                                  "\nspec:\n  replicas: 0\n" + Template(name));
    Result applied = Kubectl("apply -f " + deploy);
    ASSERT_EQ(applied.code, 0) << applied.output;
    std::string rs =
        File(name + "-rs.yaml",
             "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: " + name + "-1\n" +
                 rs_meta + OwnerRef("apps/v1", "Deployment", name, Uid("deploy " + name)) +
                 "spec:\n  replicas: 0\n" + Template(name));
    applied = Kubectl("apply -f " + rs);
    ASSERT_EQ(applied.code, 0) << applied.output;
    std::string pod =
        File(name + "-pod.yaml",
             "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "-1-a\n" +
                 OwnerRef("apps/v1", "ReplicaSet", name + "-1", Uid("rs " + name + "-1"), false) +
                 "spec:\n  containers:\n  - {name: c, image: nginx}\n");
    applied = Kubectl("apply -f " + pod);
    ASSERT_EQ(applied.code, 0) << applied.output;
  }
};

TEST_F(KubectlGarbageCollectorTest, DeletingADeploymentTakesItsReplicaSetAndPodInTheBackground) {
  ASSERT_NO_FATAL_FAILURE(MakeDeploymentTree("web"));
  Result deleted = Kubectl("delete deploy web -v=8");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  // kubectl's default cascade is background, sent as DeleteOptions.
  EXPECT_THAT(deleted.output, HasSubstr(R"("propagationPolicy":"Background")"));
  Result rs = KubectlUntil("get rs web-1", "NotFound");
  EXPECT_THAT(rs.output, HasSubstr("replicasets.apps \"web-1\" not found"));
  Result pod = KubectlUntil("get pod web-1-a", "NotFound");
  EXPECT_THAT(pod.output, HasSubstr("pods \"web-1-a\" not found"));
}

TEST_F(KubectlGarbageCollectorTest, CascadeOrphanLeavesTheReplicaSetWithoutItsOwnerReference) {
  ASSERT_NO_FATAL_FAILURE(MakeDeploymentTree("keep"));
  // kubectl waits for the Deployment to go, which needs the collector to
  // take its orphan finalizer off.
  Result deleted = Kubectl("delete deploy keep --cascade=orphan -v=8");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, HasSubstr(R"("propagationPolicy":"Orphan")"));
  EXPECT_THAT(Kubectl("get deploy keep").output, HasSubstr("not found"));
  Result rs = Kubectl("get rs keep-1 -o jsonpath={.metadata.name}:{.metadata.ownerReferences}");
  EXPECT_EQ(rs.code, 0) << rs.output;
  EXPECT_EQ(rs.output, "keep-1:");
  // The Pod's owner, the ReplicaSet, is still there.
  EXPECT_EQ(Kubectl("get pod keep-1-a -o name").output, "pod/keep-1-a\n");
  ASSERT_EQ(Kubectl("delete rs keep-1").code, 0);
  EXPECT_THAT(KubectlUntil("get pod keep-1-a", "NotFound").output, HasSubstr("not found"));
}

TEST_F(KubectlGarbageCollectorTest, CascadeForegroundKeepsTheDeploymentUntilItsDependentsAreGone) {
  // The ReplicaSet's own finalizer holds it, and so the Deployment.
  ASSERT_NO_FATAL_FAILURE(MakeDeploymentTree("fg", "  finalizers: [example.com/hold]\n"));
  Result deleted = Kubectl("delete deploy fg --cascade=foreground --wait=false -v=8");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, HasSubstr(R"("propagationPolicy":"Foreground")"));
  Result rs = KubectlUntil("get rs fg-1 -o jsonpath={.metadata.deletionTimestamp}", "T");
  EXPECT_THAT(rs.output, ContainsRegex("^[0-9-]+T[0-9:]+Z$"));
  EXPECT_THAT(KubectlUntil("get pod fg-1-a", "NotFound").output, HasSubstr("not found"));
  Result deploy =
      Kubectl("get deploy fg -o jsonpath={.metadata.deletionTimestamp},{.metadata.finalizers}");
  EXPECT_EQ(deploy.code, 0) << deploy.output;
  EXPECT_THAT(deploy.output, ContainsRegex("^[0-9-]+T[0-9:]+Z,\\[\"foregroundDeletion\"\\]$"));

  ASSERT_EQ(Kubectl("patch rs fg-1 --type merge -p '{\"metadata\":{\"finalizers\":null}}'").code,
            0);
  EXPECT_THAT(KubectlUntil("get deploy fg", "NotFound").output,
              HasSubstr("deployments.apps \"fg\" not found"));
  EXPECT_THAT(Kubectl("get rs fg-1").output, HasSubstr("not found"));
}

}  // namespace
}  // namespace sluice::controllers
