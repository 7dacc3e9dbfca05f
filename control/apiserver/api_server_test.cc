// The whole server over HTTPS: the certificate, tokens (401, 403), the
// kubernetes Service, /metrics, the plain loopback listener and restarts.
#include "control/apiserver/api_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/match.h"
#include "control/apiserver/apiserver_test_util.h"
#include "control/apiserver/https_test_client.h"
#include "control/apiserver/kubernetes_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// The status of a plain HTTP GET to 127.0.0.1:`port`.
int PlainGet(uint16_t port, const std::string& target, const std::string& token) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!ec) http::write(socket, req, ec);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(socket, buffer, res, ec);
  return ec ? -1 : static_cast<int>(res.result_int());
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override { server_.reset(); }
  void StartServer(ApiServerOptions options = {}) {
    server_.reset();
    options.data_dir = dir_ + "/data";
    options.port = 0;
    auto server = ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  HttpsReply Call(HttpsCall call, const std::string& name = "127.0.0.1") {
    auto reply = HttpsRequest(server_->port(), server_->ca_pem(), name, call);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : HttpsReply{};
  }
  std::string admin() { return server_->tokens().admin_token(); }
  std::string node() { return server_->tokens().node_token(); }

  TempDir temp_;
  const std::string& dir_ = temp_.path();
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ServerTest, NoOrAWrongTokenIs401ExceptForHealthAndVersion) {
  HttpsReply none = Call({.target = "/api/v1/services"});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json["reason"], "Unauthorized");
  EXPECT_EQ(none.json["kind"], "Status");
  EXPECT_EQ(Call({.target = "/api/v1/services", .token = admin() + "x"}).status, 401);
  EXPECT_EQ(Call({.target = "/apis"}).status, 401);
  EXPECT_EQ(Call({.target = "/metrics"}).status, 401);
  for (const char* path : {"/healthz", "/livez", "/readyz", "/version"})
    EXPECT_EQ(Call({.target = path}).status, 200) << path;
}

TEST_F(ServerTest, TheNodeTokenReadsButCannotWrite) {
  EXPECT_EQ(Call({.target = "/api/v1/services", .token = node()}).status, 200);
  HttpsCall create{.method = "POST",
                   .target = "/api/v1/namespaces/default/services",
                   .body = R"({"metadata":{"name":"x"},"spec":{"ports":[{"port":80}]}})"};
  create.token = node();
  HttpsReply by_node = Call(create);
  EXPECT_EQ(by_node.status, 403);
  EXPECT_EQ(by_node.json["reason"], "Forbidden");
  EXPECT_THAT(by_node.json["message"].get<std::string>(),
              HasSubstr("User \"system:node:sluice-agent\" cannot create resource \"services\""));
  EXPECT_EQ(Call({.target = "/api/v1/namespaces/default/services/x", .token = admin()}).status,
            404);
  create.token = admin();
  EXPECT_EQ(Call(create).status, 201);
}

TEST_F(ServerTest, TheKubernetesServiceTakesTheFirstAddressAndPointsHere) {
  HttpsReply svc =
      Call({.target = "/api/v1/namespaces/default/services/kubernetes", .token = node()});
  ASSERT_EQ(svc.status, 200) << svc.body;
  EXPECT_EQ(svc.json["spec"]["clusterIP"], kKubernetesServiceIp);
  EXPECT_EQ(svc.json["spec"]["ports"][0]["name"], "https");
  EXPECT_EQ(svc.json["spec"]["ports"][0]["port"], 443);
  EXPECT_EQ(svc.json["spec"]["ports"][0]["targetPort"], server_->port());
  HttpsReply slice =
      Call({.target = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
            .token = node()});
  ASSERT_EQ(slice.status, 200) << slice.body;
  EXPECT_EQ(slice.json["metadata"]["labels"]["kubernetes.io/service-name"], "kubernetes");
  EXPECT_EQ(slice.json["endpoints"][0]["addresses"][0], "127.0.0.1");
  EXPECT_EQ(slice.json["ports"][0]["port"], server_->port());
  // The next Service gets another address.
  HttpsReply next =
      Call({.method = "POST",
            .target = "/api/v1/namespaces/default/services",
            .token = admin(),
            .body = R"({"metadata":{"name":"next"},"spec":{"ports":[{"port":80}]}})"});
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_NE(next.json["spec"]["clusterIP"], kKubernetesServiceIp);
}

// Another Service range moves the kubernetes Service (and the certificate
// name for it) to that range's first address; the allocator takes it there.
TEST_F(ServerTest, TheKubernetesServiceFollowsTheServiceRange) {
  StartServer({.service_network = {.cluster_ip_ranges = {"10.0.0.0/24", "fd00:20::/112"}}});
  HttpsReply svc = Call(
      {.target = "/api/v1/namespaces/default/services/kubernetes", .token = admin()}, "10.0.0.1");
  ASSERT_EQ(svc.status, 200) << svc.body;
  EXPECT_EQ(svc.json["spec"]["clusterIP"], "10.0.0.1");
  EXPECT_EQ(svc.json["spec"]["ipFamilies"], json::array({"IPv4"}));
  EXPECT_THAT(server_->sans(), ::testing::Contains("10.0.0.1"));
  EXPECT_THAT(server_->sans(), ::testing::Not(::testing::Contains(kKubernetesServiceIp)));
}

TEST_F(ServerTest, RestartKeepsCaAndTokensAndCorrectsTheServicePort) {
  std::string ca = server_->ca_pem();
  std::string admin_token = admin();
  std::string node_token = node();
  StartServer();  // another free port
  EXPECT_EQ(server_->ca_pem(), ca);
  EXPECT_EQ(admin(), admin_token);
  EXPECT_EQ(node(), node_token);
  HttpsReply svc =
      Call({.target = "/api/v1/namespaces/default/services/kubernetes", .token = admin_token});
  EXPECT_EQ(svc.json["spec"]["ports"][0]["targetPort"], server_->port());
  HttpsReply slice =
      Call({.target = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
            .token = admin_token});
  EXPECT_EQ(slice.json["ports"][0]["port"], server_->port());
}

TEST_F(ServerTest, AdvertiseAddressAndExtraNamesAreInTheCertificate) {
  StartServer({.advertise_address = "192.0.2.10", .extra_sans = {"api.example.test"}});
  for (const char* name : {"192.0.2.10", "api.example.test", "kubernetes.default.svc.cluster.local",
                           "10.96.0.1", "localhost", "::1"})
    EXPECT_EQ(Call({.target = "/healthz"}, name).status, 200) << name;
  HttpsReply slice =
      Call({.target = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
            .token = admin()});
  EXPECT_EQ(slice.json["endpoints"][0]["addresses"][0], "192.0.2.10");
}

TEST_F(ServerTest, SelfSubjectAccessReviewsAreDiscoveredAndAnswered) {
  HttpsReply list = Call({.target = "/apis/authorization.k8s.io/v1", .token = node()});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["resources"][0]["name"], "selfsubjectaccessreviews");
  EXPECT_EQ(list.json["resources"][0]["verbs"], json({"create"}));
  std::string review =
      R"({"spec":{"resourceAttributes":{"verb":"create","resource":"services","namespace":"default"}}})";
  HttpsReply as_node = Call({.method = "POST",
                             .target = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                             .token = node(),
                             .body = review});
  EXPECT_EQ(as_node.status, 201);
  EXPECT_EQ(as_node.json["status"]["allowed"], false);
  HttpsReply as_admin = Call({.method = "POST",
                              .target = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                              .token = admin(),
                              .body = review});
  EXPECT_EQ(as_admin.json["status"]["allowed"], true);
}

TEST_F(ServerTest, MetricsCountRequestsByVerbResourceAndCode) {
  Call({.target = "/api/v1/services", .token = admin()});
  Call({.target = "/api/v1/services", .token = admin()});
  Call({.target = "/api/v1/namespaces/default/configmaps/missing", .token = admin()});
  Call({.target = "/api/v1/madeup", .token = admin()});
  HttpsReply metrics = Call({.target = "/metrics", .token = node()});
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.content_type, HasSubstr("text/plain"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr("apiserver_request_total{code=\"200\",resource=\"services\",verb=\"LIST\"} 2\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("apiserver_request_total{code=\"404\",resource=\"configmaps\","
                        "verb=\"GET\"} 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("apiserver_request_total{code=\"404\",resource=\"\",verb=\"LIST\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("apiserver_request_duration_seconds_count{resource="
                                      "\"services\",verb=\"LIST\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("apiserver_request_duration_seconds_bucket{resource="
                                      "\"services\",verb=\"LIST\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE apiserver_longrunning_requests gauge\n"));
  EXPECT_EQ(metrics.body.find("madeup"), std::string::npos);
}

TEST_F(ServerTest, PlainHttpOnlyOnLoopbackAndOnlyWhenAsked) {
  EXPECT_EQ(server_->insecure_url(), "");
  auto refused = ApiServer::Start(
      {.data_dir = dir_ + "/other", .port = 0, .insecure_listen_address = "0.0.0.0"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  StartServer({.insecure_listen_address = "127.0.0.1"});
  std::string url = server_->insecure_url();
  ASSERT_TRUE(absl::StartsWith(url, "http://127.0.0.1:")) << url;
  uint16_t port = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  // The same tokens guard it.
  EXPECT_EQ(PlainGet(port, "/api/v1/services", ""), 401);
  EXPECT_EQ(PlainGet(port, "/api/v1/services", admin()), 200);
}

TEST_F(ServerTest, PlainHttpToTheTlsPortIsTold400) {
  EXPECT_EQ(PlainGet(server_->port(), "/healthz", ""), 400);
}

TEST_F(ServerTest, AnAdvertiseAddressMustBeAnAddress) {
  auto server = ApiServer::Start(
      {.data_dir = dir_ + "/other", .port = 0, .advertise_address = "api.example.test"});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("api.example.test"));
}

TEST_F(ServerTest, ExtraNamesMustBeDnsNamesOrAddresses) {
  for (const char* bad : {"Upper.example", "a b", "-lead.example", "x..y", ""}) {
    auto server = ApiServer::Start({.data_dir = dir_ + "/other", .port = 0, .extra_sans = {bad}});
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  StartServer({.extra_sans = {"*.apps.example.test", "fd00::7"}});
  EXPECT_EQ(Call({.target = "/healthz"}, "x.apps.example.test").status, 200);
  EXPECT_EQ(Call({.target = "/healthz"}, "fd00::7").status, 200);
}

class KubernetesServiceTest : public ApiServerTest {
 protected:
  absl::Status Ensure(const std::string& address, uint16_t port) {
    return EnsureKubernetesService(router_->resources(), registry_, kKubernetesServiceIp, address,
                                   port);
  }
};

TEST_F(KubernetesServiceTest, AnotherClusterIpIsReplacedAndAnUnchangedOneNotRewritten) {
  json svc = ServiceJson("kubernetes", 443);
  svc["spec"]["clusterIP"] = "10.96.0.50";
  ASSERT_EQ(Post("/api/v1/namespaces/default/services", svc).status, 201);
  ASSERT_TRUE(Ensure("192.0.2.1", 6443).ok());
  Reply first = Get("/api/v1/namespaces/default/services/kubernetes");
  EXPECT_EQ(first.body["spec"]["clusterIP"], kKubernetesServiceIp);
  EXPECT_EQ(first.body["spec"]["ports"][0]["targetPort"], 6443);
  ASSERT_TRUE(Ensure("192.0.2.1", 6443).ok());
  Reply second = Get("/api/v1/namespaces/default/services/kubernetes");
  EXPECT_EQ(second.body["metadata"]["resourceVersion"], first.body["metadata"]["resourceVersion"]);
  ASSERT_TRUE(Ensure("fd00::1", 6443).ok());
  Reply slice = Get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
  EXPECT_EQ(slice.body["addressType"], "IPv6");
  EXPECT_EQ(slice.body["endpoints"][0]["addresses"], json({"fd00::1"}));
}

TEST(Kubeconfig, EmbedsTheCaAndTheToken) {
  std::string yaml = KubeconfigYaml("https://127.0.0.1:6443", "PEM", {"sluice-node", "tok"});
  EXPECT_THAT(yaml, HasSubstr("server: https://127.0.0.1:6443\n"));
  EXPECT_THAT(yaml, HasSubstr("certificate-authority-data: UEVN\n"));
  EXPECT_THAT(yaml, HasSubstr("- name: sluice-node\n  user:\n    token: tok\n"));
}

}  // namespace
}  // namespace sluice::apiserver
