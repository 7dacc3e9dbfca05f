// Server-side apply through the router: create on apply, updates, fields a
// manager drops, conflicts between managers, force; managedFields of other
// writers.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kWeb[] = "/api/v1/namespaces/default/services/web";
constexpr char kApplyType[] = "application/apply-patch+yaml";

std::string ServiceYaml(int target_port, const std::string& extra_label = "") {
  std::string labels = "    app: web\n";
  if (!extra_label.empty()) labels += "    " + extra_label + "\n";
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n" + labels +
         "spec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: " +
         std::to_string(target_port) + "\n";
}

class ApplyTest : public ApiServerTest {
 protected:
  Reply Apply(const std::string& manager, const std::string& yaml, bool force = false) {
    return Call("PATCH",
                std::string(kWeb) + "?fieldManager=" + manager + (force ? "&force=true" : ""), yaml,
                kApplyType);
  }
};

const json* EntryOf(const json& object, const std::string& manager) {
  for (const json& e : object["metadata"]["managedFields"])
    if (e["manager"] == manager) return &e;
  return nullptr;
}

TEST_F(ApplyTest, ApplyCreatesWith201AndRecordsTheAppliedFields) {
  Reply created = Apply("alice", ServiceYaml(8080));
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_FALSE(created.body["spec"]["clusterIP"].get<std::string>().empty());
  const json* entry = EntryOf(created.body, "alice");
  ASSERT_NE(entry, nullptr) << created.raw;
  EXPECT_EQ((*entry)["operation"], "Apply");
  EXPECT_EQ((*entry)["apiVersion"], "v1");
  EXPECT_EQ((*entry)["fieldsType"], "FieldsV1");
  EXPECT_FALSE((*entry)["time"].get<std::string>().empty());
  const json& port =
      (*entry)["fieldsV1"]["f:spec"]["f:ports"]["k:{\"port\":80,\"protocol\":\"TCP\"}"];
  EXPECT_EQ(
      port,
      json({{".", json::object()}, {"f:port", json::object()}, {"f:targetPort", json::object()}}))
      << entry->dump();
  EXPECT_TRUE((*entry)["fieldsV1"]["f:metadata"]["f:labels"].contains("f:app"));
  EXPECT_FALSE((*entry)["fieldsV1"]["f:metadata"].contains("f:name"));
  EXPECT_EQ(Get(kWeb).body, created.body);
}

TEST_F(ApplyTest, ASecondApplyUpdatesAndAnUnchangedOneWritesNothing) {
  ASSERT_EQ(Apply("alice", ServiceYaml(8080)).status, 201);
  Reply updated = Apply("alice", ServiceYaml(9090));
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["spec"]["ports"][0]["targetPort"], 9090);
  EXPECT_EQ(updated.body["metadata"]["managedFields"].size(), 1u);
  Reply again = Apply("alice", ServiceYaml(9090));
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["metadata"]["resourceVersion"], updated.body["metadata"]["resourceVersion"]);
}

TEST_F(ApplyTest, FieldsTheManagerNoLongerAppliesAreRemoved) {
  ASSERT_EQ(Apply("alice", ServiceYaml(8080, "tier: front")).status, 201);
  ASSERT_EQ(Apply("bob", ServiceYaml(8080, "owner: bob")).status, 200);
  Reply dropped = Apply("alice", ServiceYaml(8080));
  ASSERT_EQ(dropped.status, 200) << dropped.raw;
  const json& labels = dropped.body["metadata"]["labels"];
  EXPECT_FALSE(labels.contains("tier")) << labels;
  EXPECT_EQ(labels["app"], "web");  // bob applies it too
  EXPECT_EQ(labels["owner"], "bob");
  // bob shares the port: it stays when alice lets it go.
  Reply without_ports = Apply("alice",
                              "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                              "spec:\n  selector:\n    app: web\n");
  ASSERT_EQ(without_ports.status, 200) << without_ports.raw;
  EXPECT_EQ(without_ports.body["spec"]["ports"].size(), 1u);
}

TEST_F(ApplyTest, AnotherManagersDifferentValueConflictsUnlessForced) {
  ASSERT_EQ(Apply("alice", ServiceYaml(8080)).status, 201);
  Reply conflict = Apply("bob", ServiceYaml(9090));
  ASSERT_EQ(conflict.status, 409) << conflict.raw;
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_THAT(conflict.body["message"].get<std::string>(),
              HasSubstr("Apply failed with 1 conflict: conflict with \"alice\": "
                        ".spec.ports[port=80,protocol=\"TCP\"].targetPort"));
  ASSERT_EQ(conflict.body["details"]["causes"].size(), 1u);
  EXPECT_EQ(conflict.body["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(Get(kWeb).body["spec"]["ports"][0]["targetPort"], 8080);  // nothing written

  Reply forced = Apply("bob", ServiceYaml(9090), /*force=*/true);
  ASSERT_EQ(forced.status, 200) << forced.raw;
  EXPECT_EQ(forced.body["spec"]["ports"][0]["targetPort"], 9090);
  const json* alice = EntryOf(forced.body, "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_FALSE(
      (*alice)["fieldsV1"]["f:spec"]["f:ports"]["k:{\"port\":80,\"protocol\":\"TCP\"}"].contains(
          "f:targetPort"));
  // Now alice conflicts with bob.
  Reply back = Apply("alice", ServiceYaml(8080));
  ASSERT_EQ(back.status, 409) << back.raw;
  EXPECT_THAT(back.body["message"].get<std::string>(), HasSubstr("conflict with \"bob\""));
}

TEST_F(ApplyTest, OtherWritersAreRecordedAsUpdatesAndTakeTheFieldsTheyChange) {
  ASSERT_EQ(Apply("alice", ServiceYaml(8080)).status, 201);
  Reply patched = Call("PATCH", std::string(kWeb) + "?fieldManager=kubectl-edit",
                       R"({"spec":{"ports":[{"port":80,"targetPort":7070}]}})",
                       "application/strategic-merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  const json* edit = EntryOf(patched.body, "kubectl-edit");
  ASSERT_NE(edit, nullptr) << patched.raw;
  EXPECT_EQ((*edit)["operation"], "Update");
  EXPECT_TRUE(
      (*edit)["fieldsV1"]["f:spec"]["f:ports"]["k:{\"port\":80,\"protocol\":\"TCP\"}"].contains(
          "f:targetPort"))
      << edit->dump();
  Reply conflict = Apply("alice", ServiceYaml(8080));
  ASSERT_EQ(conflict.status, 409) << conflict.raw;
  EXPECT_THAT(conflict.body["message"].get<std::string>(),
              HasSubstr("conflict with \"kubectl-edit\""));
}

TEST_F(ApplyTest, BadApplyRequestsAreRefused) {
  EXPECT_EQ(Call("PATCH", kWeb, ServiceYaml(80), kApplyType).status, 400);  // no fieldManager
  EXPECT_EQ(Apply("alice", "metadata:\n  name: web\n").status, 400);        // no kind
  Reply other_name = Apply("alice", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n");
  EXPECT_EQ(other_name.status, 400) << other_name.raw;
  Reply keyless = Apply("alice",
                        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                        "spec:\n  ports:\n  - targetPort: 80\n");
  EXPECT_EQ(keyless.status, 400) << keyless.raw;
  EXPECT_EQ(Get(kWeb).status, 404);
}

}  // namespace
}  // namespace sluice::apiserver
