// ApiObjectSource against the real `sluice server`: objects created, changed
// and deleted with the real kubectl (admin kubeconfig) reach the source (node
// kubeconfig), which keeps them while the server is down and catches up once
// it is back.
#include "control/agent/api_object_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "control/apiserver/kubectl_test_util.h"
#include "gtest/gtest.h"

namespace sluice::agent {
namespace {

using apiserver::ReadFile;
using apiserver::Reap;
using apiserver::Result;
using apiserver::RunBounded;
using apiserver::StartServer;
using apiserver::WriteFile;

constexpr char kService[] = R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: NodePort, ports: [{name: http, port: 80, targetPort: 8080}]}
)";

std::string Slice(const std::string& address) {
  return absl::StrCat(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [)",
                      address, R"(], nodeName: node-a}]
ports: [{name: http, port: 8080, protocol: TCP}]
)");
}

class ApiObjectSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
    char tmpl[] = "/tmp/api_object_source_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/home");
    setenv("HOME", (dir_ + "/home").c_str(), 1);
    server_ = StartServer(dir_);
    ASSERT_GT(server_, 0);
  }
  void TearDown() override {
    source_.reset();
    StopServer();
    std::filesystem::remove_all(dir_);
  }
  void StopServer() {
    if (server_ <= 0) return;
    kill(server_, SIGTERM);
    EXPECT_EQ(Reap(server_, 10), 0) << "sluice server did not stop cleanly";
    server_ = -1;
  }

  Result Kubectl(const std::string& args) {
    return RunBounded(dir_, "kubectl --kubeconfig " + dir_ + "/kubeconfig " + args);
  }
  void Apply(const std::string& yaml) {
    WriteFile(dir_ + "/apply.yaml", yaml);
    Result r = Kubectl("apply -f " + dir_ + "/apply.yaml");
    ASSERT_EQ(r.code, 0) << r.output;
  }

  void MakeSource(ApiObjectSourceOptions options = {}) {
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += line + "\n";
    };
    options.max_backoff = std::chrono::milliseconds(1000);
    auto source = ApiObjectSourceFromKubeconfig(dir_ + "/node-kubeconfig", options);
    ASSERT_TRUE(source.ok()) << source.status();
    source_ = *std::move(source);
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    std::string seen = "seen:";
    for (const k8s::Service& s : latest_.services) seen += " svc " + s.metadata.name;
    for (const k8s::EndpointSlice& s : latest_.endpoint_slices) seen += " slice " + s.metadata.name;
    return seen + "\nlog:\n" + log_;
  }

  // Polls until `done` holds for the latest objects (or 20 s pass).
  bool WaitFor(const std::function<bool(const k8s::Objects&)>& done) {
    for (int i = 0; i < 400; ++i) {
      auto polled = source_->Poll();
      if (polled.ok() && polled->has_value()) latest_ = **polled;
      if (polled.ok() && done(latest_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // The address of web-1's endpoint; "" without one.
  static std::string FirstAddress(const k8s::Objects& o) {
    for (const k8s::EndpointSlice& s : o.endpoint_slices)
      if (s.metadata.name == "web-1" && !s.endpoints.empty() && !s.endpoints[0].addresses.empty())
        return s.endpoints[0].addresses[0].ToString();
    return "";
  }
  static bool HasService(const k8s::Objects& o, const std::string& name) {
    for (const k8s::Service& s : o.services)
      if (s.metadata.name == name && s.metadata.namespace_name == "default") return true;
    return false;
  }

  std::string dir_;
  pid_t server_ = -1;
  std::unique_ptr<ApiObjectSource> source_;
  k8s::Objects latest_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(ApiObjectSourceTest, FollowsCreateUpdateDeleteAndAServerRestart) {
  MakeSource();
  // The default/kubernetes Service is there from the start.
  ASSERT_TRUE(WaitFor([](const k8s::Objects& o) { return HasService(o, "kubernetes"); })) << Log();
  Apply(kService);
  Apply(Slice("10.244.1.5"));
  ASSERT_TRUE(WaitFor([](const k8s::Objects& o) {
    return HasService(o, "web") && FirstAddress(o) == "10.244.1.5";
  })) << Log();
  for (const k8s::Service& s : latest_.services) {
    if (s.metadata.name != "web") continue;
    EXPECT_FALSE(s.cluster_ips.empty()) << "the server allocates a ClusterIP";
    ASSERT_EQ(s.ports.size(), 1u);
    EXPECT_TRUE(s.ports[0].node_port.has_value()) << "and a NodePort";
  }
  // Nothing changed: nothing to apply.
  auto again = source_->Poll();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->has_value());

  Apply(Slice("10.244.1.6"));
  ASSERT_TRUE(WaitFor([](const k8s::Objects& o) { return FirstAddress(o) == "10.244.1.6"; }))
      << Log();
  Result deleted = Kubectl("delete endpointslice web-1");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  ASSERT_TRUE(WaitFor([](const k8s::Objects& o) { return FirstAddress(o).empty(); })) << Log();

  // Down: the source keeps what it had and reports no change.
  std::string url = apiserver::ServerUrl(dir_ + "/kubeconfig");
  StopServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto down = source_->Poll();
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_FALSE(down->has_value());
  EXPECT_NE(Log().find("Services: "), std::string::npos) << "the lost watch is logged";

  // Back on the same port (same data dir, CA and tokens): what changed while
  // the source was away arrives.
  server_ = StartServer(dir_, "--listen " + url.substr(std::string("https://").size()));
  ASSERT_GT(server_, 0);
  Result gone = Kubectl("delete service web");
  ASSERT_EQ(gone.code, 0) << gone.output;
  Apply(Slice("10.244.1.7"));
  ASSERT_TRUE(WaitFor([](const k8s::Objects& o) {
    return !HasService(o, "web") && HasService(o, "kubernetes") && FirstAddress(o) == "10.244.1.7";
  })) << Log();
}

TEST_F(ApiObjectSourceTest, AWrongTokenIsAnErrorNotAState) {
  std::string text = ReadFile(dir_ + "/node-kubeconfig");
  size_t at = text.find("token: ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at + 7, 8, "00000000");
  WriteFile(dir_ + "/node-kubeconfig", text);
  MakeSource();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto polled = source_->Poll();
  ASSERT_FALSE(polled.ok());
  EXPECT_TRUE(absl::IsUnavailable(polled.status()));
  EXPECT_NE(polled.status().message().find("HTTP 401"), std::string::npos) << polled.status();
}

TEST_F(ApiObjectSourceTest, AServerTheCaDidNotSignIsRefused) {
  // Another server's CA: the handshake with this one must fail.
  std::string other = dir_ + "/other";
  std::filesystem::create_directories(other);
  pid_t second = StartServer(other);
  ASSERT_GT(second, 0);
  std::string text = ReadFile(dir_ + "/node-kubeconfig");
  std::string other_text = ReadFile(other + "/node-kubeconfig");
  kill(second, SIGTERM);
  Reap(second, 10);
  auto ca_line = [](const std::string& t) {
    size_t a = t.find("certificate-authority-data: ");
    return t.substr(a, t.find('\n', a) - a);
  };
  text.replace(text.find(ca_line(text)), ca_line(text).size(), ca_line(other_text));
  WriteFile(dir_ + "/node-kubeconfig", text);
  MakeSource();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto polled = source_->Poll();
  ASSERT_FALSE(polled.ok());
  EXPECT_NE(polled.status().message().find("TLS handshake"), std::string::npos) << polled.status();
}

TEST_F(ApiObjectSourceTest, StopsPromptlyWhileConnecting) {
  // A listener whose accept queue is full: Linux drops further SYNs, so a
  // connect to it waits for the kernel's timeout (minutes) unless cancelled.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto endpoint = LoadKubeconfig(dir_ + "/node-kubeconfig");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  endpoint->port = std::to_string(ntohs(addr.sin_port));
  endpoint->server = "https://127.0.0.1:" + endpoint->port;
  source_ = std::make_unique<ApiObjectSource>(
      *endpoint, ApiObjectSourceOptions{.log = [](const std::string&) {}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto polled = source_->Poll();
  EXPECT_TRUE(absl::IsUnavailable(polled.status())) << polled.status();
  auto start = std::chrono::steady_clock::now();
  source_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  for (int fd : fillers) close(fd);
  close(listener);
}

}  // namespace
}  // namespace sluice::agent
