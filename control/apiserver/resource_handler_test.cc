// The generic resource handler through the router: verbs, errors and
// optimistic concurrency, as kubectl and client-go rely on them.
#include "control/apiserver/apiserver_test_util.h"
#include "gmock/gmock.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kServices[] = "/api/v1/namespaces/default/services";

TEST_F(ApiServerTest, CreateFillsServerFieldsAndGetReturnsThem) {
  Reply created = Post(kServices, ServiceJson("web"));
  ASSERT_EQ(created.status, 201) << created.raw;
  const json& meta = created.body["metadata"];
  EXPECT_EQ(meta["namespace"], "default");
  EXPECT_EQ(meta["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(meta["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(created.body["spec"]["type"], "ClusterIP");
  EXPECT_EQ(created.body["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(created.body["spec"]["ports"][0]["targetPort"], 80);
  Reply got = Get(std::string(kServices) + "/web");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);
}

TEST_F(ApiServerTest, ServicesGetClusterIpsFromTheServiceRangeAndKeepThemOnUpdate) {
  Reply a = Post(kServices, ServiceJson("a"));
  Reply b = Post(kServices, ServiceJson("b"));
  std::string ip_a = a.body["spec"]["clusterIP"], ip_b = b.body["spec"]["clusterIP"];
  EXPECT_THAT(ip_a, ::testing::StartsWith("10.96."));
  EXPECT_NE(ip_a, ip_b);
  json update = ServiceJson("a", 81);  // says nothing of clusterIP, as kubectl replace -f
  Reply updated = Call("PUT", std::string(kServices) + "/a", update.dump());
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["spec"]["clusterIP"], ip_a);
  update["spec"]["clusterIP"] = "10.96.9.9";
  Reply changed = Call("PUT", std::string(kServices) + "/a", update.dump());
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(changed.body["details"]["causes"][0]["field"], "spec.clusterIPs[0]");
}

TEST_F(ApiServerTest, CreatingAnExistingNameIs409AlreadyExists) {
  ASSERT_EQ(Post(kServices, ServiceJson("web")).status, 201);
  Reply again = Post(kServices, ServiceJson("web"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["kind"], "Status");
  EXPECT_EQ(again.body["reason"], "AlreadyExists");
  EXPECT_EQ(again.body["message"], "services \"web\" already exists");
}

TEST_F(ApiServerTest, GenerateNameMakesDistinctNames) {
  json cm = {{"metadata", {{"generateName", "cfg-"}}}, {"data", {{"k", "v"}}}};
  Reply a = Post("/api/v1/namespaces/default/configmaps", cm);
  Reply b = Post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_EQ(a.status, 201) << a.raw;
  std::string name = a.body["metadata"]["name"];
  EXPECT_EQ(name.size(), 9u);
  EXPECT_THAT(name, ::testing::StartsWith("cfg-"));
  EXPECT_NE(name, b.body["metadata"]["name"]);
}

TEST_F(ApiServerTest, UpdateWithAStaleResourceVersionIs409Conflict) {
  Reply created = Post(kServices, ServiceJson("web"));
  json first = created.body;
  first["metadata"]["labels"]["v"] = "1";
  ASSERT_EQ(Call("PUT", std::string(kServices) + "/web", first.dump()).status, 200);
  json stale = created.body;  // still carries the first resourceVersion
  stale["metadata"]["labels"]["v"] = "2";
  Reply conflict = Call("PUT", std::string(kServices) + "/web", stale.dump());
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_THAT(conflict.body["message"].get<std::string>(), HasSubstr("has been modified"));
  EXPECT_EQ(Get(std::string(kServices) + "/web").body["metadata"]["labels"]["v"], "1");
}

TEST_F(ApiServerTest, AnUnchangedUpdateKeepsTheResourceVersion) {
  Reply created = Post(kServices, ServiceJson("web"));
  Reply same = Call("PUT", std::string(kServices) + "/web", created.body.dump());
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(same.body["metadata"]["resourceVersion"], created.body["metadata"]["resourceVersion"]);
}

TEST_F(ApiServerTest, InvalidServiceIs422WithTheFieldPath) {
  json bad = ServiceJson("web");
  bad["spec"]["ports"][0]["port"] = 70000;
  Reply reply = Post(kServices, bad);
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.body["reason"], "Invalid");
  EXPECT_EQ(reply.body["details"]["kind"], "Service");
  EXPECT_EQ(reply.body["details"]["causes"][0]["field"], "spec.ports[0].port");
  EXPECT_EQ(Get(std::string(kServices) + "/web").status, 404);
}

TEST_F(ApiServerTest, ServiceNamesFollowDns1035) {
  Reply reply = Post(kServices, ServiceJson("1web"));
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.body["details"]["causes"][0]["field"], "metadata.name");
}

TEST_F(ApiServerTest, MalformedBodiesAre400AndWriteNothing) {
  for (const char* body : {"{\"metadata\": {", "[1,2]", "not json", ""}) {
    Reply reply = Call("POST", kServices, body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.body["reason"], "BadRequest");
  }
  std::string deep(200, '[');
  EXPECT_EQ(Call("POST", kServices, "{\"a\":" + deep).status, 400);
  EXPECT_EQ(Get(kServices).body["items"].size(), 0u);
}

TEST_F(ApiServerTest, YamlBodiesAreAccepted) {
  Reply reply =
      Call("POST", "/api/v1/namespaces/default/configmaps",
           "metadata:\n  name: cfg\ndata:\n  port: \"80\"\n  on: 'yes'\n", "application/yaml");
  ASSERT_EQ(reply.status, 201) << reply.raw;
  EXPECT_EQ(reply.body["data"]["port"], "80");
}

TEST_F(ApiServerTest, GarbledProtobufBodiesAreBadRequestsAndWriteNothing) {
  // Protobuf bodies are read (proto_object_test.cc); a truncated one is 400.
  Reply reply = Call("POST", kServices, std::string("k8s\0\x0a\xff", 6),
                     "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(reply.body["reason"], "BadRequest");
  EXPECT_EQ(Get(kServices).body["items"].size(), 0u);
}

TEST_F(ApiServerTest, ObjectsNeedAnExistingNamespace) {
  Reply reply = Post("/api/v1/namespaces/nowhere/services", ServiceJson("web"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body["message"], "namespaces \"nowhere\" not found");
}

TEST_F(ApiServerTest, ANamespaceInTheBodyMustMatchThePath) {
  json svc = ServiceJson("web");
  svc["metadata"]["namespace"] = "kube-system";
  EXPECT_EQ(Post(kServices, svc).status, 400);
}

TEST_F(ApiServerTest, DeleteReturnsTheObjectAndThenItIsGone) {
  ASSERT_EQ(Post(kServices, ServiceJson("web")).status, 201);
  Reply deleted = Call("DELETE", std::string(kServices) + "/web");
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["metadata"]["name"], "web");
  EXPECT_EQ(Get(std::string(kServices) + "/web").status, 404);
  EXPECT_EQ(Call("DELETE", std::string(kServices) + "/web").status, 404);
}

TEST_F(ApiServerTest, DeletingANamespaceDeletesWhatIsInIt) {
  ASSERT_EQ(Post("/api/v1/namespaces", {{"metadata", {{"name", "shop"}}}}).status, 201);
  ASSERT_EQ(Post("/api/v1/namespaces/shop/services", ServiceJson("web")).status, 201);
  ASSERT_EQ(Post(kServices, ServiceJson("web")).status, 201);
  ASSERT_EQ(Call("DELETE", "/api/v1/namespaces/shop").status, 200);
  EXPECT_EQ(Get("/api/v1/namespaces/shop/services/web").status, 404);
  EXPECT_EQ(Get(std::string(kServices) + "/web").status, 200);
}

TEST_F(ApiServerTest, ListFiltersByLabelsAndFields) {
  for (const char* name : {"a", "b", "c"}) Post(kServices, ServiceJson(name));
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    Reply reply = Get(std::string(kServices) + "?" + query);  // outlives the loop
    for (const json& item : reply.body["items"]) out.push_back(item["metadata"]["name"]);
    return out;
  };
  EXPECT_THAT(names("labelSelector=app%3Db"), ::testing::ElementsAre("b"));
  EXPECT_THAT(names("labelSelector=app+in+(a,c)"), ::testing::ElementsAre("a", "c"));
  EXPECT_THAT(names("labelSelector=app!%3Da"), ::testing::ElementsAre("b", "c"));
  EXPECT_THAT(names("labelSelector=!app"), ::testing::ElementsAre());
  EXPECT_THAT(names("fieldSelector=metadata.name%3Dc"), ::testing::ElementsAre("c"));
  EXPECT_EQ(Get(std::string(kServices) + "?fieldSelector=spec.type%3DX").status, 400);
}

TEST_F(ApiServerTest, ListPagesWithLimitAndContinue) {
  for (const char* name : {"a", "b", "c", "d", "e"}) Post(kServices, ServiceJson(name));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    std::string query = "?limit=2" + (token.empty() ? "" : "&continue=" + token);
    Reply page = Get(std::string(kServices) + query);
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const json& item : page.body["items"]) seen.push_back(item["metadata"]["name"]);
    token = page.body["metadata"].value("continue", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ::testing::ElementsAre("a", "b", "c", "d", "e"));
}

TEST_F(ApiServerTest, ListedItemsAreTheObjectsAsGetReturnsThem) {
  // Services are copied from their stored bytes with resourceVersion spliced
  // in; ConfigMaps ("data" sorts before "kind") and a value written in
  // another key order are parsed. Either way an item is the object.
  Post(kServices, ServiceJson("a"));
  Post(kServices, ServiceJson("b"));
  ASSERT_EQ(Call("PUT", std::string(kServices) + "/b", ServiceJson("b", 81).dump()).status, 200);
  ASSERT_TRUE(store_
                  ->Create("/registry/services/default/c",
                           R"({"spec":{"ports":[{"port":1}]},"metadata":{"name":"c",)"
                           R"("namespace":"default"},"kind":"Service","apiVersion":"v1"})")
                  .ok());
  Post("/api/v1/namespaces/default/configmaps",
       {{"metadata", {{"name", "cfg"}}}, {"data", {{"k", "v"}}}});
  for (const std::string& collection :
       {std::string(kServices), std::string("/api/v1/namespaces/default/configmaps")}) {
    Reply list = Get(collection);
    ASSERT_EQ(list.status, 200) << list.raw;
    ASSERT_FALSE(list.body["items"].empty());
    for (const json& item : list.body["items"]) {
      Reply got = Get(collection + "/" + item["metadata"]["name"].get<std::string>());
      EXPECT_EQ(item, got.body);
    }
    EXPECT_EQ(list.body["metadata"]["resourceVersion"], std::to_string(*store_->CurrentRevision()));
  }
  EXPECT_EQ(Get(kServices).body["items"].size(), 3u);
}

TEST_F(ApiServerTest, ListAcrossNamespaces) {
  Post(kServices, ServiceJson("a"));
  Post("/api/v1/namespaces/kube-system/services", ServiceJson("b"));
  EXPECT_EQ(Get("/api/v1/services").body["items"].size(), 2u);
  EXPECT_EQ(Get("/api/v1/services").body["kind"], "ServiceList");
}

TEST_F(ApiServerTest, UnknownPathsAndMethodsAreStatusErrors) {
  EXPECT_EQ(Get("/api/v1/namespaces/default/widgets").status, 404);
  EXPECT_EQ(Get("/apis/batch/v1").status, 404);
  EXPECT_EQ(Call("PUT", kServices, "{}").status, 405);
  EXPECT_EQ(Call("POST", "/api/v1/services", ServiceJson("x").dump()).status, 404);
}

}  // namespace
}  // namespace sluice::apiserver
