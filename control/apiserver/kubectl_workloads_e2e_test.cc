// The real kubectl against `sluice server`: Deployments, ReplicaSets, Pods and
// the other types of one applied file: tables, scale, `get all`, discovery,
// the status subresource.
#include <string>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using ::testing::HasSubstr;

constexpr char kWorkloads[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  namespace: apps
  labels: {app: solo}
spec:
  containers:
  - name: main
    image: busybox:1.36
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f
  namespace: apps
spec:
  replicas: 2
  selector:
    matchLabels: {app: web, pod-template-hash: 5d8f}
  template:
    metadata:
      labels: {app: web, pod-template-hash: 5d8f}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
---
apiVersion: v1
kind: Node
metadata:
  name: e2e-node
  labels: {node-role.kubernetes.io/worker: ""}
status:
  conditions: [{type: Ready, status: "True"}]
  addresses: [{type: InternalIP, address: 192.168.7.7}]
  nodeInfo: {kubeletVersion: v1.32.0-sluice}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: web
  namespace: apps
subsets:
- addresses: [{ip: 10.244.1.5}]
  ports: [{port: 80}]
---
apiVersion: v1
kind: Event
metadata:
  name: solo.1
  namespace: apps
involvedObject: {kind: Pod, name: solo, namespace: apps}
type: Normal
reason: Scheduled
message: assigned apps/solo to e2e-node
firstTimestamp: "2024-01-01T00:00:00Z"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: apps
stringData: {user: admin, password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: builder
  namespace: apps
)";

// The workload namespace, applied before each test; applying it again is
// harmless.
class KubectlWorkloadTest : public KubectlTest {
 protected:
  void SetUp() override {
    KubectlTest::SetUp();
    Result applied = Kubectl("apply -f " + File("workloads.yaml", kWorkloads));
    ASSERT_EQ(applied.code, 0) << applied.output;
  }
};

TEST_F(KubectlWorkloadTest, ApplyPrintsEachKindAndGetShowsTheirTables) {
  Result got = Kubectl("get deploy,rs,po,no,ep,ev,secrets,sa -n apps");
  ASSERT_EQ(got.code, 0) << got.output;
  const std::string& out = got.output;
  // UP-TO-DATE and CURRENT count what the controllers have made so far.
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +READY +UP-TO-DATE +AVAILABLE +AGE\n"
                                            "deployment\\.apps/web +0/1 +[01] +0 +[0-9]+s\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +DESIRED +CURRENT +READY +AGE\n(.*\n)*"
                                            "replicaset\\.apps/web-5d8f +2 +[0-2] +0 +[0-9]+s\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +READY +STATUS +RESTARTS +AGE\n"
                                            "pod/solo +0/1 +Pending +0 +[0-9]+s\n"));
  EXPECT_THAT(
      out, ::testing::ContainsRegex("NAME +STATUS +ROLES +AGE +VERSION\n"
                                    "node/e2e-node +Ready +worker +[0-9]+s +v1\\.32\\.0-sluice\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +ENDPOINTS +AGE\n"
                                            "endpoints/web +10\\.244\\.1\\.5:80 +[0-9]+s\n"));
  EXPECT_THAT(out,
              ::testing::ContainsRegex(
                  "LAST SEEN +TYPE +REASON +OBJECT +MESSAGE\n"
                  "[0-9]+[dy] +Normal +Scheduled +pod/solo +assigned apps/solo to e2e-node\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +TYPE +DATA +AGE\n"
                                            "secret/creds +Opaque +2 +[0-9]+s\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("NAME +SECRETS +AGE\n"
                                            "serviceaccount/builder +0 +[0-9]+s\n"));
  Result wide = Kubectl("get po solo -n apps -o wide");
  EXPECT_THAT(wide.output, ::testing::ContainsRegex(
                               "IP +NODE +NOMINATED NODE +READINESS GATES\n"
                               "solo +0/1 +Pending +0 +[0-9]+s +<none> +<none> +<none> +<none>\n"));
  Result node = Kubectl("get no e2e-node -o wide");
  EXPECT_THAT(node.output,
              ::testing::ContainsRegex(
                  "e2e-node +Ready +worker +[0-9]+s +v1\\.32\\.0-sluice +192\\.168\\.7\\.7"));
  Result password = Kubectl("get secret creds -n apps -o jsonpath={.data.password}");
  EXPECT_EQ(password.output, "aHVudGVyMg==");
  // describe lists events by involvedObject and a node's pods by spec.nodeName.
  Result described = Kubectl("describe pod solo -n apps");
  ASSERT_EQ(described.code, 0) << described.output;
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Status: +Pending"));
  Result events = Kubectl("get events -n apps --field-selector involvedObject.name=solo -o name");
  EXPECT_EQ(events.output, "event/solo.1\n");
  Result node_described = Kubectl("describe node e2e-node");
  EXPECT_EQ(node_described.code, 0) << node_described.output;
  Result again = Kubectl("apply -f " + *dir_ + "/workloads.yaml");
  EXPECT_THAT(again.output, HasSubstr("deployment.apps/web unchanged"));
  EXPECT_THAT(again.output, HasSubstr("pod/solo unchanged"));
}

TEST_F(KubectlWorkloadTest, ScaleDeploymentThenGetShowsThree) {
  Result scaled = Kubectl("scale deploy web -n apps --replicas=3");
  ASSERT_EQ(scaled.code, 0) << scaled.output;
  EXPECT_THAT(scaled.output, HasSubstr("deployment.apps/web scaled"));
  Result got = Kubectl("get deploy web -n apps");
  EXPECT_THAT(got.output, ::testing::ContainsRegex("web +0/3 +[0-3] +0 +"));
  EXPECT_EQ(Kubectl("get deploy web -n apps -o jsonpath={.spec.replicas}").output, "3");
  Result rs = Kubectl("scale rs web-5d8f -n apps --replicas=0");
  ASSERT_EQ(rs.code, 0) << rs.output;
  EXPECT_THAT(Kubectl("get rs web-5d8f -n apps").output,
              ::testing::ContainsRegex("web-5d8f +0 +[0-2] +0 +"));
  Result negative = Kubectl("scale deploy web -n apps --replicas=-1");
  EXPECT_NE(negative.code, 0);
}

TEST_F(KubectlWorkloadTest, GetAllShowsPodsServicesDeploymentsAndReplicaSets) {
  Result exposed = Kubectl("expose deploy web -n apps --port 80");
  ASSERT_EQ(exposed.code, 0) << exposed.output;
  Result all = Kubectl("get all -n apps");
  ASSERT_EQ(all.code, 0) << all.output;
  EXPECT_THAT(all.output, HasSubstr("pod/solo"));
  EXPECT_THAT(all.output, ::testing::ContainsRegex("service/web +ClusterIP +10\\.96\\."));
  EXPECT_THAT(all.output, HasSubstr("deployment.apps/web"));
  EXPECT_THAT(all.output, HasSubstr("replicaset.apps/web-5d8f"));
  EXPECT_THAT(all.output, ::testing::Not(HasSubstr("secret/")));
  EXPECT_THAT(all.output, ::testing::Not(HasSubstr("event/")));
  EXPECT_EQ(Kubectl("get svc web -n apps -o jsonpath={.spec.selector.app}").output, "web");
  ASSERT_EQ(Kubectl("delete svc web -n apps").code, 0);
}

TEST_F(KubectlWorkloadTest, ApiResourcesListsTheTypesWithShortNames) {
  Result resources = Kubectl("api-resources");
  ASSERT_EQ(resources.code, 0) << resources.output;
  const std::string& out = resources.output;
  EXPECT_THAT(out, ::testing::ContainsRegex("\nnodes +no +v1 +false +Node\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\npods +po +v1 +true +Pod\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nendpoints +ep +v1 +true +Endpoints\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nevents +ev +v1 +true +Event\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nsecrets +v1 +true +Secret\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nserviceaccounts +sa +v1 +true +ServiceAccount\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\ndeployments +deploy +apps/v1 +true +Deployment\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nreplicasets +rs +apps/v1 +true +ReplicaSet\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("\nleases +coordination\\.k8s\\.io/v1 +true +Lease\n"));
  Result all = Kubectl("api-resources --categories=all -o name");
  EXPECT_EQ(all.output, "pods\nservices\ndeployments.apps\nreplicasets.apps\n");
}

// On a Node: the Deployment and ReplicaSet controllers write their workloads'
// statuses, and nothing writes a Node's here.
TEST_F(KubectlWorkloadTest, StatusSubresourceAndSpecChangeIndependently) {
  Result status = Kubectl(
      R"(patch node e2e-node --subresource=status --type=merge -p '{"status":{"capacity":{"pods":"50"}},"spec":{"unschedulable":true}}')");
  ASSERT_EQ(status.code, 0) << status.output;
  auto fields = [] {
    return Kubectl("get node e2e-node -o jsonpath={.spec.unschedulable}/{.status.capacity.pods}")
        .output;
  };
  EXPECT_EQ(fields(), "/50");
  Result spec = Kubectl(
      R"(patch node e2e-node --type=merge -p '{"spec":{"unschedulable":true},"status":{"capacity":{"pods":"9"}}}')");
  ASSERT_EQ(spec.code, 0) << spec.output;
  EXPECT_EQ(fields(), "true/50");
  ASSERT_EQ(
      Kubectl(R"(patch node e2e-node --type=merge -p '{"spec":{"unschedulable":null}}')").code, 0);
}

TEST_F(KubectlWorkloadTest, InvalidDeploymentIsRejectedWithTheField) {
  std::string file = File("bad-deploy.yaml",
                          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\n"
                          "  namespace: apps\nspec:\n  selector:\n    matchLabels: {app: x}\n"
                          "  template:\n    metadata:\n      labels: {app: y}\n    spec:\n"
                          "      containers: [{name: c}]\n");
  Result result = Kubectl("create -f " + file);
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.output, HasSubstr("spec.template.metadata.labels"));
  EXPECT_THAT(result.output, HasSubstr("spec.template.spec.containers[0].image: Required value"));
}

}  // namespace
}  // namespace sluice::apiserver
