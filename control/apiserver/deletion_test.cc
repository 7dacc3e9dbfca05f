// Deletion with finalizers, DeleteOptions (propagation policies and
// preconditions), ownerReferences, and namespaces that go through Terminating.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

json Namespace(const std::string& name) {
  return {{"metadata", {{"name", name}}}};
}

json ConfigMap(const std::string& name) {
  return {{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
}

TEST_F(ApiServerTest, NewNamespaceHasTheLifecycleFinalizerWhichClientsCannotChange) {
  Reply created = Post("/api/v1/namespaces", Namespace("shop"));
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["spec"]["finalizers"], json({"kubernetes"}));
  EXPECT_EQ(created.body["status"]["phase"], "Active");
  json changed = created.body;
  changed["spec"]["finalizers"] = json::array();
  Reply put = Call("PUT", "/api/v1/namespaces/shop", changed.dump());
  EXPECT_EQ(put.body["spec"]["finalizers"], json({"kubernetes"}));
}

TEST_F(ApiServerTest, DeletingANamespaceTerminatesItAndRemovesItsContents) {
  ASSERT_EQ(Post("/api/v1/namespaces", Namespace("doomed")).status, 201);
  ASSERT_EQ(Post("/api/v1/namespaces/doomed/configmaps", ConfigMap("cfg")).status, 201);
  Reply deleted = Call("DELETE", "/api/v1/namespaces/doomed");
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.body["status"]["phase"], "Terminating");
  EXPECT_TRUE(deleted.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Get("/api/v1/namespaces/doomed").status, 404);
  EXPECT_EQ(Get("/api/v1/namespaces/doomed/configmaps/cfg").status, 404);
}

TEST_F(ApiServerTest, NamespaceWithAnotherFinalizerStaysTerminatingAndRefusesNewContent) {
  json ns = Namespace("held");
  ns["metadata"]["finalizers"] = {"example.com/hold"};
  ASSERT_EQ(Post("/api/v1/namespaces", ns).status, 201);
  ASSERT_EQ(Call("DELETE", "/api/v1/namespaces/held").status, 200);
  Reply held = Get("/api/v1/namespaces/held");
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.body["status"]["phase"], "Terminating");
  EXPECT_EQ(held.body["spec"]["finalizers"], json::array());
  Reply refused = Post("/api/v1/namespaces/held/configmaps", ConfigMap("late"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body["reason"], "Forbidden");
  EXPECT_THAT(refused.body["message"].get<std::string>(), HasSubstr("being terminated"));
  Reply released = Call("PATCH", "/api/v1/namespaces/held", R"({"metadata":{"finalizers":null}})",
                        "application/merge-patch+json");
  EXPECT_EQ(released.status, 200) << released.raw;
  EXPECT_EQ(Get("/api/v1/namespaces/held").status, 404);
}

TEST_F(ApiServerTest, ObjectWithAFinalizerGoesWhenItsLastFinalizerIsRemoved) {
  std::string item = "/api/v1/namespaces/default/configmaps/cfg";
  json cm = ConfigMap("cfg");
  cm["metadata"]["finalizers"] = {"example.com/a", "example.com/b"};
  ASSERT_EQ(Post("/api/v1/namespaces/default/configmaps", cm).status, 201);
  Reply deleted = Call("DELETE", item);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_TRUE(deleted.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Get(item).status, 200);
  Reply added =
      Call("PATCH", item, R"({"metadata":{"finalizers":["example.com/a","example.com/c"]}})",
           "application/merge-patch+json");
  EXPECT_EQ(added.status, 422);
  EXPECT_EQ(added.body["details"]["causes"][0]["field"], "metadata.finalizers");
  ASSERT_EQ(Call("PATCH", item, R"({"metadata":{"finalizers":["example.com/b"]}})",
                 "application/merge-patch+json")
                .status,
            200);
  EXPECT_EQ(Get(item).status, 200);
  Reply last =
      Call("PATCH", item, R"({"metadata":{"finalizers":[]}})", "application/merge-patch+json");
  EXPECT_EQ(last.status, 200) << last.raw;
  EXPECT_EQ(Get(item).status, 404);
}

constexpr char kCm[] = "/api/v1/namespaces/default/configmaps/cfg";

json Finalizers(const Reply& r) {
  return r.body["metadata"].value("finalizers", json::array());
}

TEST_F(ApiServerTest, OrphanAndForegroundPoliciesMarkTheObjectWithTheCollectorsFinalizer) {
  ASSERT_EQ(Post("/api/v1/namespaces/default/configmaps", ConfigMap("cfg")).status, 201);
  Reply orphan = Call("DELETE", std::string(kCm) + "?propagationPolicy=Orphan");
  ASSERT_EQ(orphan.status, 200) << orphan.raw;
  EXPECT_EQ(Finalizers(orphan), json({"orphan"}));
  EXPECT_TRUE(orphan.body["metadata"].contains("deletionTimestamp"));
  // Asked again with another policy, the finalizer follows it (the body
  // carries it, as kubectl sends it).
  Reply foreground = Call("DELETE", kCm,
                          R"({"kind":"DeleteOptions","apiVersion":"meta.k8s.io/v1",)"
                          R"("propagationPolicy":"Foreground"})");
  ASSERT_EQ(foreground.status, 200) << foreground.raw;
  EXPECT_EQ(Finalizers(foreground), json({"foregroundDeletion"}));
  EXPECT_EQ(Get(kCm).status, 200);
  // Background drops it, and with no finalizer left the object goes.
  ASSERT_EQ(Call("DELETE", std::string(kCm) + "?propagationPolicy=Background").status, 200);
  EXPECT_EQ(Get(kCm).status, 404);
}

TEST_F(ApiServerTest, LegacyOrphanDependentsChoosesOrphanOrBackground) {
  ASSERT_EQ(Post("/api/v1/namespaces/default/configmaps", ConfigMap("cfg")).status, 201);
  Reply orphan = Call("DELETE", kCm, R"({"orphanDependents":true})");
  ASSERT_EQ(orphan.status, 200) << orphan.raw;
  EXPECT_EQ(Finalizers(orphan), json({"orphan"}));
  ASSERT_EQ(Call("DELETE", std::string(kCm) + "?orphanDependents=false").status, 200);
  EXPECT_EQ(Get(kCm).status, 404);
}

TEST_F(ApiServerTest, ADeleteWithoutPolicyKeepsTheFinalizersTheObjectHas) {
  json cm = ConfigMap("cfg");
  cm["metadata"]["finalizers"] = {"example.com/keep", "orphan"};
  ASSERT_EQ(Post("/api/v1/namespaces/default/configmaps", cm).status, 201);
  Reply deleted = Call("DELETE", kCm);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(Finalizers(deleted), json({"example.com/keep", "orphan"}));
}

TEST_F(ApiServerTest, BadDeleteOptionsAreRefusedAndDeleteNothing) {
  ASSERT_EQ(Post("/api/v1/namespaces/default/configmaps", ConfigMap("cfg")).status, 201);
  Reply unknown = Call("DELETE", std::string(kCm) + "?propagationPolicy=Sometimes");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.body["message"],
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: "
            "\"Sometimes\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  Reply both = Call("DELETE", kCm, R"({"propagationPolicy":"Orphan","orphanDependents":false})");
  EXPECT_EQ(both.status, 422);
  EXPECT_THAT(both.body["message"].get<std::string>(),
              HasSubstr("orphanDependents and deletionPropagation cannot be both set"));
  EXPECT_EQ(Call("DELETE", kCm, R"({"propagationPolicy":3})").status, 400);
  EXPECT_EQ(Call("DELETE", kCm, R"({"kind":"Pod"})").status, 400);
  EXPECT_EQ(Call("DELETE", kCm, R"({"preconditions":"uid"})").status, 400);
  EXPECT_EQ(Call("DELETE", std::string(kCm) + "?orphanDependents=maybe").status, 400);
  EXPECT_EQ(Call("DELETE", kCm, "{not json").status, 400);
  Reply still = Get(kCm);
  ASSERT_EQ(still.status, 200);
  EXPECT_FALSE(still.body["metadata"].contains("deletionTimestamp"));
}

TEST_F(ApiServerTest, PreconditionsMustMatchTheObject) {
  Reply created = Post("/api/v1/namespaces/default/configmaps", ConfigMap("cfg"));
  ASSERT_EQ(created.status, 201);
  std::string uid = created.body["metadata"]["uid"];
  Reply wrong_uid = Call("DELETE", kCm, R"({"preconditions":{"uid":"other"}})");
  EXPECT_EQ(wrong_uid.status, 409);
  EXPECT_EQ(wrong_uid.body["message"],
            "Operation cannot be fulfilled on configmaps \"cfg\": Precondition failed: UID in "
            "precondition: other, UID in object meta: " +
                uid);
  EXPECT_EQ(Call("DELETE", kCm, R"({"preconditions":{"resourceVersion":"1"}})").status, 409);
  EXPECT_EQ(Get(kCm).status, 200);
  json right = {{"preconditions",
                 {{"uid", uid}, {"resourceVersion", created.body["metadata"]["resourceVersion"]}}}};
  EXPECT_EQ(Call("DELETE", kCm, right.dump()).status, 200);
  EXPECT_EQ(Get(kCm).status, 404);
}

TEST_F(ApiServerTest, OwnerReferencesNeedTheirFieldsAndOneControllerAtMost) {
  json cm = ConfigMap("cfg");
  cm["metadata"]["ownerReferences"] = {
      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "a"}}};
  Reply no_uid = Post("/api/v1/namespaces/default/configmaps", cm);
  EXPECT_EQ(no_uid.status, 422);
  EXPECT_EQ(CauseFields(no_uid), std::vector<std::string>{"metadata.ownerReferences.uid"});
  EXPECT_THAT(no_uid.body["message"].get<std::string>(), HasSubstr("uid must not be empty"));
  json ref = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"uid", "u1"}, {"controller", true}};
  ref["name"] = "a";
  json second = ref;
  second["name"] = "b";
  second["uid"] = "u2";
  cm["metadata"]["ownerReferences"] = {ref, second};
  Reply two = Post("/api/v1/namespaces/default/configmaps", cm);
  EXPECT_EQ(two.status, 422);
  EXPECT_THAT(two.body["message"].get<std::string>(),
              HasSubstr("Only one reference can have Controller set to true. Found \"true\" in "
                        "references for ConfigMap/a and ConfigMap/b"));
  second["controller"] = false;
  cm["metadata"]["ownerReferences"] = {ref, second};
  EXPECT_EQ(Post("/api/v1/namespaces/default/configmaps", cm).status, 201);
}

TEST_F(ApiServerTest, OrphanAndForegroundFinalizersCannotBeBothSet) {
  json cm = ConfigMap("cfg");
  cm["metadata"]["finalizers"] = {"orphan", "foregroundDeletion"};
  Reply both = Post("/api/v1/namespaces/default/configmaps", cm);
  EXPECT_EQ(both.status, 422);
  EXPECT_EQ(CauseFields(both), std::vector<std::string>{"metadata.finalizers"});
}

}  // namespace
}  // namespace sluice::apiserver
