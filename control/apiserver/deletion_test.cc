// Deletion with finalizers, and namespaces that go through Terminating.
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

}  // namespace
}  // namespace sluice::apiserver
