// core/v1 Pods: PodSpec defaults and validation, the Pending status of a new
// Pod, the fixed spec, and kubectl's pod columns.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kPods[] = "/api/v1/namespaces/default/pods";

TEST_F(ApiServerTest, PodGetsPodSpecDefaultsAndStartsPending) {
  json pod = PodJson("p");
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 8080}}};
  pod["status"] = {{"phase", "Running"}};  // the node's to report, not the client's
  Reply created = Post(kPods, pod);
  ASSERT_EQ(created.status, 201) << created.raw;
  const json& spec = created.body["spec"];
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(spec["schedulerName"], "default-scheduler");
  const json& c = spec["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(c["terminationMessagePolicy"], "File");
  EXPECT_EQ(c["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(created.body["status"], json({{"phase", "Pending"}, {"qosClass", "BestEffort"}}));
}

TEST_F(ApiServerTest, UntaggedAndLatestImagesArePulledAlways) {
  Reply untagged = Post(kPods, PodJson("a", "registry:5000/nginx"));
  Reply latest = Post(kPods, PodJson("b", "nginx:latest"));
  EXPECT_EQ(untagged.body["spec"]["containers"][0]["imagePullPolicy"], "Always");
  EXPECT_EQ(latest.body["spec"]["containers"][0]["imagePullPolicy"], "Always");
}

TEST_F(ApiServerTest, PodWithoutContainersIs422) {
  json pod = PodJson("p");
  pod["spec"].erase("containers");
  Reply r = Post(kPods, pod);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::ElementsAre("spec.containers"));
}

TEST_F(ApiServerTest, PodContainersNeedUniqueNamesImagesAndValidPorts) {
  json pod = PodJson("p");
  pod["spec"]["containers"].push_back({{"name", "main"}});
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 70000}},
                                           {{"containerPort", 80}, {"protocol", "HTTP"}}};
  Reply r = Post(kPods, pod);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(CauseFields(r), ::testing::UnorderedElementsAre(
                                  "spec.containers[0].ports[0].containerPort",
                                  "spec.containers[0].ports[1].protocol", "spec.containers[1].name",
                                  "spec.containers[1].image"));
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("Duplicate value: \"main\""));
  EXPECT_THAT(r.body["message"].get<std::string>(),
              HasSubstr("Invalid value: 70000: must be between 1 and 65535, inclusive"));
}

TEST_F(ApiServerTest, PodUpdateMayChangeImagesButNotTheRestOfTheSpec) {
  ASSERT_EQ(Post(kPods, PodJson("p")).status, 201);
  std::string item = std::string(kPods) + "/p";
  Reply image =
      Call("PATCH", item, R"({"spec":{"containers":[{"name":"main","image":"busybox:2"}]}})",
           "application/strategic-merge-patch+json");
  ASSERT_EQ(image.status, 200) << image.raw;
  EXPECT_EQ(image.body["spec"]["containers"][0]["image"], "busybox:2");
  EXPECT_EQ(image.body["spec"]["containers"][0]["terminationMessagePath"], "/dev/termination-log");
  Reply restart =
      Call("PATCH", item, R"({"spec":{"restartPolicy":"Never"}})", "application/merge-patch+json");
  EXPECT_EQ(restart.status, 422);
  EXPECT_THAT(CauseFields(restart), ::testing::ElementsAre("spec"));
}

TEST_F(ApiServerTest, PodTableShowsReadyStatusRestartsAndWideColumns) {
  ASSERT_EQ(Post(kPods, PodJson("p")).status, 201);
  json pod = Get(std::string(kPods) + "/p").body;
  pod["status"] = {{"phase", "Running"},
                   {"podIP", "10.244.0.5"},
                   {"containerStatuses",
                    {{{"name", "main"},
                      {"ready", true},
                      {"restartCount", 2},
                      {"state", {{"running", json::object()}}}}}}};
  ASSERT_EQ(Call("PUT", std::string(kPods) + "/p/status", pod.dump()).status, 200);
  Reply table = Call("GET", kPods, "", "", kTableAccept);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                     "Nominated Node", "Readiness Gates"));
  const json& cells = table.body["rows"][0]["cells"];
  EXPECT_EQ(cells[1], "1/1");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "2");
  EXPECT_EQ(cells[5], "10.244.0.5");
  EXPECT_EQ(cells[6], "<none>");
}

TEST_F(ApiServerTest, PodStatusColumnShowsAWaitingReason) {
  ASSERT_EQ(Post(kPods, PodJson("p")).status, 201);
  json pod = Get(std::string(kPods) + "/p").body;
  pod["status"]["containerStatuses"] = {
      {{"name", "main"},
       {"ready", false},
       {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}};
  ASSERT_EQ(Call("PUT", std::string(kPods) + "/p/status", pod.dump()).status, 200);
  Reply table = Call("GET", std::string(kPods) + "/p", "", "", kTableAccept);
  EXPECT_EQ(table.body["rows"][0]["cells"][1], "0/1");
  EXPECT_EQ(table.body["rows"][0]["cells"][2], "CrashLoopBackOff");
}

TEST_F(ApiServerTest, BindingAssignsTheNodeOnce) {
  ASSERT_EQ(Post(kPods, PodJson("p")).status, 201);
  std::string binding = std::string(kPods) + "/p/binding";
  json bind = {{"apiVersion", "v1"},
               {"kind", "Binding"},
               {"metadata", {{"name", "p"}}},
               {"target", {{"kind", "Node"}, {"name", "n1"}}}};
  Reply bound = Call("POST", binding, bind.dump());
  ASSERT_EQ(bound.status, 201) << bound.raw;
  EXPECT_EQ(bound.body["status"], "Success");
  Reply pod = Get(std::string(kPods) + "/p");
  EXPECT_EQ(pod.body["spec"]["nodeName"], "n1");
  EXPECT_EQ(pod.body["status"]["conditions"][0]["type"], "PodScheduled");
  EXPECT_EQ(pod.body["status"]["phase"], "Pending");
  bind["target"]["name"] = "n2";
  Reply again = Call("POST", binding, bind.dump());
  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(again.body["message"].get<std::string>(), HasSubstr("already assigned to node"));
  ASSERT_EQ(Post(kPods, PodJson("q")).status, 201);
  Reply no_target = Call("POST", std::string(kPods) + "/q/binding", R"({"target":{}})");
  EXPECT_EQ(no_target.status, 422);
  EXPECT_THAT(CauseFields(no_target), ::testing::ElementsAre("target.name"));
}

TEST_F(ApiServerTest, PodsAreSelectedBySpecNodeNameAndPhase) {
  ASSERT_EQ(Post(kPods, PodJson("on-n1")).status, 201);
  ASSERT_EQ(Post(kPods, PodJson("unscheduled")).status, 201);
  ASSERT_EQ(
      Call("POST", std::string(kPods) + "/on-n1/binding", R"({"target":{"name":"n1"}})").status,
      201);
  Reply mine = Get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
  ASSERT_EQ(mine.status, 200) << mine.raw;
  ASSERT_EQ(mine.body["items"].size(), 1u);
  EXPECT_EQ(mine.body["items"][0]["metadata"]["name"], "on-n1");
  Reply waiting =
      Get(std::string(kPods) + "?fieldSelector=spec.nodeName%3D,status.phase%3DPending");
  ASSERT_EQ(waiting.body["items"].size(), 1u);
  EXPECT_EQ(waiting.body["items"][0]["metadata"]["name"], "unscheduled");
  EXPECT_EQ(Get(std::string(kPods) + "?fieldSelector=spec.image%3Dx").status, 400);
}

}  // namespace
}  // namespace sluice::apiserver
