// Tokens, the authorization rule, request attributes, Forbidden's wording and
// SelfSubjectAccessReviews (from the protobuf body kubectl sends).
#include <sys/stat.h>

#include "control/apiserver/access_filter.h"
#include "control/apiserver/access_review.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/apiserver_test_util.h"
#include "control/apiserver/authentication.h"
#include "control/apiserver/authorization.h"
#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

HttpRequest Request(const std::string& method, const std::string& target) {
  HttpRequest r{.method = method};
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  return r;
}

TEST(TokenAuthenticator, TokensAreMadeOnceKeptPrivateAndReused) {
  TempDir temp;
  std::string dir = temp.path() + "/tokens";
  auto first = TokenAuthenticator::LoadOrCreate(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->admin_token().size(), 64u);
  EXPECT_NE(first->admin_token(), first->node_token());
  struct stat st;
  ASSERT_EQ(stat((dir + "/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = TokenAuthenticator::LoadOrCreate(dir);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->admin_token(), first->admin_token());
  EXPECT_EQ(second->node_token(), first->node_token());
}

TEST(TokenAuthenticator, KnowsTheTwoTokensByBearerOnly) {
  TokenAuthenticator tokens("admin-secret-0123456789", "node-secret-0123456789");
  EXPECT_EQ(tokens.Authenticate("Bearer admin-secret-0123456789")->name, "system:admin");
  EXPECT_EQ(tokens.Authenticate("bearer node-secret-0123456789")->name, "system:node:sluice-agent");
  EXPECT_FALSE(tokens.Authenticate("Bearer admin-secret-012345678"));
  EXPECT_FALSE(tokens.Authenticate("Basic admin-secret-0123456789"));
  EXPECT_FALSE(tokens.Authenticate("Bearer "));
  EXPECT_FALSE(tokens.Authenticate(""));
}

TEST(RequestAttributes, ReadFromPathAndMethodAsKubernetesDoes) {
  RequestAttributes get = AttributesOf(Request("GET", "/api/v1/namespaces/shop/services/web"));
  EXPECT_TRUE(get.resource_request);
  EXPECT_EQ(get.verb, "get");
  EXPECT_EQ(get.ns, "shop");
  EXPECT_EQ(get.resource, "services");
  EXPECT_EQ(get.name, "web");
  EXPECT_EQ(AttributesOf(Request("GET", "/api/v1/services")).verb, "list");
  EXPECT_EQ(AttributesOf(Request("GET", "/api/v1/services?watch=true")).verb, "watch");
  EXPECT_EQ(AttributesOf(Request("POST", "/api/v1/namespaces/a/services")).verb, "create");
  EXPECT_EQ(AttributesOf(Request("DELETE", "/api/v1/namespaces/a/services")).verb,
            "deletecollection");
  RequestAttributes slice = AttributesOf(
      Request("PATCH", "/apis/discovery.k8s.io/v1/namespaces/a/endpointslices/s/status"));
  EXPECT_EQ(slice.group, "discovery.k8s.io");
  EXPECT_EQ(slice.verb, "patch");
  EXPECT_EQ(slice.subresource, "status");
  RequestAttributes ns = AttributesOf(Request("PUT", "/api/v1/namespaces/shop"));
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "shop");
  EXPECT_EQ(ns.ns, "shop");
  RequestAttributes version = AttributesOf(Request("GET", "/apis/discovery.k8s.io"));
  EXPECT_FALSE(version.resource_request);
  EXPECT_EQ(version.verb, "get");
}

TEST(Authorization, MastersMayDoAnythingNodesOnlyRead) {
  RequestAttributes read = AttributesOf(Request("GET", "/api/v1/services?watch=1"));
  RequestAttributes write = AttributesOf(Request("POST", "/api/v1/namespaces/default/services"));
  RequestAttributes path = AttributesOf(Request("GET", "/metrics"));
  RequestAttributes post_path = AttributesOf(Request("POST", "/metrics"));
  EXPECT_TRUE(Allowed(AdminUser(), write));
  EXPECT_TRUE(Allowed(AdminUser(), post_path));
  EXPECT_TRUE(Allowed(NodeUser(), read));
  EXPECT_TRUE(Allowed(NodeUser(), path));
  EXPECT_FALSE(Allowed(NodeUser(), write));
  EXPECT_FALSE(Allowed(NodeUser(), post_path));
  UserInfo stranger{.name = "someone", .groups = {kAuthenticatedGroup}};
  EXPECT_FALSE(Allowed(stranger, read));
  EXPECT_TRUE(Allowed(stranger, AttributesOf(Request("POST",
                                                     "/apis/authorization.k8s.io/v1/"
                                                     "selfsubjectaccessreviews"))));
}

TEST(Authorization, ForbiddenIsWordedAsKubernetesWordsIt) {
  json named = StatusBody(ForbiddenFor(
      NodeUser(), AttributesOf(Request("DELETE", "/api/v1/namespaces/default/services/x"))));
  EXPECT_EQ(named["code"], 403);
  EXPECT_EQ(named["reason"], "Forbidden");
  EXPECT_EQ(named["message"],
            "services \"x\" is forbidden: User \"system:node:sluice-agent\" cannot delete "
            "resource \"services\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(named["details"]["kind"], "services");
  json cluster =
      StatusBody(ForbiddenFor(NodeUser(), AttributesOf(Request("POST", "/api/v1/namespaces"))));
  EXPECT_EQ(cluster["message"],
            "namespaces is forbidden: User \"system:node:sluice-agent\" cannot create resource "
            "\"namespaces\" in API group \"\" at the cluster scope");
  json grouped = StatusBody(ForbiddenFor(
      NodeUser(),
      AttributesOf(Request("POST", "/apis/discovery.k8s.io/v1/namespaces/a/endpointslices"))));
  EXPECT_EQ(grouped["message"],
            "endpointslices.discovery.k8s.io is forbidden: User \"system:node:sluice-agent\" "
            "cannot create resource \"endpointslices\" in API group \"discovery.k8s.io\" in the "
            "namespace \"a\"");
  json path = StatusBody(ForbiddenFor(NodeUser(), AttributesOf(Request("POST", "/metrics"))));
  EXPECT_EQ(path["message"],
            "forbidden: User \"system:node:sluice-agent\" cannot post path \"/metrics\"");
}

// The body `kubectl auth can-i create services` (v1.32) sends.
const std::string kCanICreateServices(
    "k8s\x00\n2\n\x17"
    "authorization.k8s.io/v1\x12\x17SelfSubjectAccessReview\x12"
    "C\n\x10\n\x00\x12\x00\x1a\x00\"\x00*\x00"
    "2\x00"
    "8\x00"
    "B\x00\x12%\n#\n\x07"
    "default\x12\x06"
    "create\x1a\x00\"\x00*\x08services2\x00:\x00\x1a\x08\x08\x00\x12\x00\x1a\x00 "
    "\x00\x1a\x00\"\x00",
    129);

TEST(SelfSubjectAccessReview, AnswersKubectlsProtobufByTheSameRule) {
  HttpRequest request = Request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
  request.content_type = "application/vnd.kubernetes.protobuf";
  request.body = kCanICreateServices;
  auto review = ParseAccessReview(request);
  ASSERT_TRUE(review.ok()) << review.status();
  EXPECT_EQ((*review)["spec"]["resourceAttributes"],
            json({{"namespace", "default"}, {"verb", "create"}, {"resource", "services"}}));
  HttpResponse admin = ServeSelfSubjectAccessReview(AdminUser(), request);
  EXPECT_EQ(admin.status, 201);
  EXPECT_EQ(json::parse(admin.body)["status"]["allowed"], true);
  HttpResponse node = ServeSelfSubjectAccessReview(NodeUser(), request);
  EXPECT_EQ(json::parse(node.body)["status"]["allowed"], false);
  EXPECT_EQ(json::parse(node.body)["kind"], "SelfSubjectAccessReview");
}

TEST(SelfSubjectAccessReview, JsonNonResourceReviewsToo) {
  HttpRequest request = Request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
  request.content_type = "application/json";
  request.body = R"({"spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}})";
  EXPECT_EQ(
      json::parse(ServeSelfSubjectAccessReview(NodeUser(), request).body)["status"]["allowed"],
      true);
}

TEST(SelfSubjectAccessReview, BadReviewsAreClearErrors) {
  HttpRequest request = Request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
  request.body = R"({"spec":{}})";
  HttpResponse none = ServeSelfSubjectAccessReview(AdminUser(), request);
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(json::parse(none.body)["details"]["causes"][0]["field"], "spec.resourceAttributes");
  request.content_type = "application/vnd.kubernetes.protobuf";
  request.body = kCanICreateServices.substr(0, 60);
  HttpResponse truncated = ServeSelfSubjectAccessReview(AdminUser(), request);
  EXPECT_EQ(truncated.status, 400);
  request.body = "not protobuf";
  EXPECT_EQ(ServeSelfSubjectAccessReview(AdminUser(), request).status, 400);
  // The error quotes the kind; bytes that are not UTF-8 still make a Status.
  request.body = kCanICreateServices;
  ASSERT_EQ(request.body[33], 'S');
  request.body[33] = '\xff';
  HttpResponse garbled = ServeSelfSubjectAccessReview(AdminUser(), request);
  EXPECT_EQ(garbled.status, 400);
  EXPECT_NE(json::parse(garbled.body)["message"].get<std::string>().find("elfSubjectAccessReview"),
            std::string::npos);
  request.method = "GET";
  EXPECT_EQ(ServeSelfSubjectAccessReview(AdminUser(), request).status, 405);
}

class AccessFilterTest : public ApiServerTest {
 protected:
  HttpRequest AsAdmin(const std::string& method, const std::string& target) {
    HttpRequest r = Request(method, target);
    r.authorization = "Bearer admin-secret-0123456789";
    return r;
  }
  TokenAuthenticator tokens_{"admin-secret-0123456789", "node-secret-0123456789"};
  ApiMetrics metrics_;
};

TEST_F(AccessFilterTest, UntilReadyOnlyLivenessAnswers) {
  AccessFilter filter(&tokens_, router_.get(), &registry_, &metrics_);
  EXPECT_EQ(filter.Handle(Request("GET", "/healthz")).status, 200);
  EXPECT_EQ(filter.Handle(Request("GET", "/readyz")).status, 503);
  EXPECT_EQ(filter.Handle(AsAdmin("GET", "/api/v1/services")).status, 503);
  filter.SetReady();
  EXPECT_EQ(filter.Handle(Request("GET", "/readyz")).status, 200);
  EXPECT_EQ(filter.Handle(AsAdmin("GET", "/api/v1/services")).status, 200);
}

// Ends a watch at once: the client is gone.
class GoneClient : public ChunkWriter {
 public:
  bool Write(absl::string_view) override { return false; }
  bool PeerClosed() override { return true; }
};

TEST_F(AccessFilterTest, AWatchIsLongRunningUntilItEnds) {
  AccessFilter filter(&tokens_, router_.get(), &registry_, &metrics_);
  filter.SetReady();
  HttpResponse watch = filter.Handle(AsAdmin("GET", "/api/v1/services?watch=1"));
  ASSERT_TRUE(watch.stream);
  const std::string open = "apiserver_longrunning_requests{resource=\"services\",verb=\"WATCH\"} ";
  EXPECT_NE(metrics_.PrometheusText().find(open + "1\n"), std::string::npos);
  EXPECT_NE(metrics_.PrometheusText().find(
                "apiserver_request_total{code=\"200\",resource=\"services\",verb=\"WATCH\"} 1\n"),
            std::string::npos);
  GoneClient client;
  watch.stream(client);
  EXPECT_NE(metrics_.PrometheusText().find(open + "0\n"), std::string::npos);
}

}  // namespace
}  // namespace sluice::apiserver
