// Two `sluice server --store etcd://...` on one real etcd are one cluster to
// the real kubectl (over HTTPS, with the kubeconfig each server writes): what
// is written through one server is read and watched through the other.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "control/apiserver/kubectl_test_util.h"
#include "control/store/etcd_test_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using apiserver::ReadFile;
using apiserver::Reap;
using apiserver::Result;
using apiserver::RunBounded;
using apiserver::Spawn;
using apiserver::StartServer;

constexpr char kShop[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
)";

// Waits up to `seconds` until the file at `path` contains `text`.
bool AwaitText(const std::string& path, const std::string& text, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (absl::StrContains(ReadFile(path), text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class ServersOnOneEtcdTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
    char tmpl[] = "/tmp/servers_on_etcd.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // kubectl caches discovery under $HOME/.kube.
    setenv("HOME", dir_.c_str(), 1);
    apiserver::WriteFile(dir_ + "/shop.yaml", kShop);
    auto etcd = store::EtcdTestServer::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = *std::move(etcd);
    // Each server has its own data directory (CA, tokens), the objects in etcd.
    for (const char* name : {"a", "b"}) {
      std::filesystem::create_directories(dir_ + "/" + name);
      pid_t pid = StartServer(dir_ + "/" + name, "--store " + etcd_->url());
      ASSERT_GT(pid, 0);
      servers_.push_back(pid);
    }
  }

  void TearDown() override {
    for (pid_t pid : servers_) {
      kill(pid, SIGTERM);
      EXPECT_EQ(Reap(pid, 10), 0) << "sluice server did not stop cleanly";
    }
    etcd_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // The arguments that point kubectl at server `name`.
  std::string At(const std::string& name) {
    return "kubectl --kubeconfig " + dir_ + "/" + name + "/kubeconfig ";
  }
  Result Kubectl(const std::string& name, const std::string& args) {
    return RunBounded(dir_, At(name) + args);
  }

  std::string dir_;
  std::unique_ptr<store::EtcdTestServer> etcd_;
  std::vector<pid_t> servers_;
};

TEST_F(ServersOnOneEtcdTest, WhatOneServerWritesTheOtherListsAndWatches) {
  EXPECT_THAT(apiserver::ServerUrl(dir_ + "/a/kubeconfig"), testing::StartsWith("https://"));
  Result applied = Kubectl("a", "apply -f " + dir_ + "/shop.yaml");
  ASSERT_EQ(applied.code, 0) << applied.output;
  Result got = Kubectl("b", "get service web -n shop -o jsonpath={.spec.clusterIP}");
  ASSERT_EQ(got.code, 0) << got.output;
  EXPECT_THAT(got.output, testing::StartsWith("10.96."));

  // b's watch lists the service, then sees it deleted through a.
  std::string log = dir_ + "/watch.out";
  pid_t watch =
      Spawn("exec timeout 60 " + At("b") + "get services -A -w --output-watch-events", log);
  bool listed = AwaitText(log, "web", 20);
  Result deleted = Kubectl("a", "delete service web -n shop");
  bool saw_delete = AwaitText(log, "DELETED", 10);
  kill(-watch, SIGTERM);
  Reap(watch, 5);
  ASSERT_TRUE(listed) << ReadFile(log);
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_TRUE(saw_delete) << ReadFile(log);
  Result missing = Kubectl("b", "get service web -n shop");
  EXPECT_NE(missing.code, 0);
  EXPECT_THAT(missing.output, testing::HasSubstr("NotFound"));
}

// `count` NodePort Services named PREFIX-i, labelled race=1.
std::string NodePortServices(const std::string& prefix, int count) {
  std::string yaml;
  for (int i = 0; i < count; ++i)
    yaml += absl::StrCat("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ", prefix, "-", i,
                         "\n  labels: {race: \"1\"}\nspec:\n  type: NodePort\n",
                         "  ports:\n  - port: 80\n");
  return yaml;
}

TEST_F(ServersOnOneEtcdTest, ServicesCreatedAtOnceThroughBothServersNeverShareAnIpOrPort) {
  // Four kubectls, two per server, each creating its Services one by one:
  // both servers allocate from the same view of the store at the same time.
  constexpr int kPerClient = 25;
  std::vector<pid_t> clients;
  for (int c = 0; c < 4; ++c) {
    std::string file = absl::StrCat(dir_, "/race", c, ".yaml");
    apiserver::WriteFile(file, NodePortServices(absl::StrCat("race", c), kPerClient));
    clients.push_back(Spawn(absl::StrCat("exec ", At(c % 2 == 0 ? "a" : "b"), "create -f ", file),
                            absl::StrCat(dir_, "/race", c, ".out")));
  }
  for (int c = 0; c < 4; ++c)
    ASSERT_EQ(Reap(clients[c], 90), 0) << ReadFile(absl::StrCat(dir_, "/race", c, ".out"));
  Result got = Kubectl(
      "b",
      "get services -l race=1 -o "
      "jsonpath='{range .items[*]}{.spec.clusterIP} {.spec.ports[0].nodePort}{\"\\n\"}{end}'");
  ASSERT_EQ(got.code, 0) << got.output;
  std::set<std::string> ips, ports;
  int services = 0;
  for (absl::string_view line : absl::StrSplit(got.output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    ASSERT_EQ(fields.size(), 2u) << line;
    ++services;
    EXPECT_TRUE(ips.insert(fields[0]).second) << "clusterIP " << fields[0] << " given twice";
    EXPECT_TRUE(ports.insert(fields[1]).second) << "nodePort " << fields[1] << " given twice";
  }
  EXPECT_EQ(services, 4 * kPerClient);
}

TEST_F(ServersOnOneEtcdTest, ANodePortAskedOfBothServersAtOnceGoesToOneTheOtherGets422) {
  for (int round = 0; round < 5; ++round) {
    int port = 30100 + round;
    std::vector<pid_t> clients;
    for (const char* server : {"a", "b"}) {
      std::string file = absl::StrCat(dir_, "/ask-", server, ".yaml");
      apiserver::WriteFile(
          file, absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ask-", server, "-",
                             round, "\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n",
                             "    nodePort: ", port, "\n"));
      clients.push_back(Spawn(absl::StrCat("exec ", At(server), "create -f ", file),
                              absl::StrCat(dir_, "/ask-", server, ".out")));
    }
    int a = Reap(clients[0], 30), b = Reap(clients[1], 30);
    std::string out = ReadFile(dir_ + "/ask-a.out") + ReadFile(dir_ + "/ask-b.out");
    ASSERT_TRUE((a == 0) != (b == 0)) << "round " << round << ": " << out;
    EXPECT_THAT(out, testing::HasSubstr(absl::StrCat("Invalid value: ", port,
                                                     ": provided port is already allocated")));
  }
}

TEST(ServerOnTlsEtcd, ServesFromAnEtcdThatWantsClientCertificates) {
  char tmpl[] = "/tmp/server_on_tls_etcd.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  setenv("HOME", dir.c_str(), 1);
  auto etcd = store::EtcdTestServer::StartWithTls();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  ASSERT_THAT((*etcd)->url(), testing::StartsWith("etcds://"));
  store::EtcdTls tls = (*etcd)->client_tls();
  apiserver::WriteFile(dir + "/shop.yaml", kShop);
  pid_t server =
      StartServer(dir, "--store " + (*etcd)->url() + " --etcd-cafile " + tls.ca_file +
                           " --etcd-certfile " + tls.cert_file + " --etcd-keyfile " + tls.key_file);
  ASSERT_GT(server, 0);
  const std::string kubectl = "kubectl --kubeconfig " + dir + "/kubeconfig ";
  Result applied = RunBounded(dir, kubectl + "apply -f " + dir + "/shop.yaml");
  Result got = RunBounded(dir, kubectl + "get service web -n shop -o jsonpath={.spec.clusterIP}");
  kill(server, SIGTERM);
  EXPECT_EQ(Reap(server, 10), 0) << ReadFile(dir + "/server.log");
  etcd->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  EXPECT_EQ(applied.code, 0) << applied.output;
  EXPECT_THAT(got.output, testing::StartsWith("10.96."));
}

// The pid in a holderIdentity (HOSTNAME_PID_RANDOM); 0 if none.
pid_t HolderPid(const std::string& identity) {
  std::vector<std::string> parts = absl::StrSplit(identity, '_');
  int pid = 0;
  if (parts.size() < 3 || !absl::SimpleAtoi(parts[parts.size() - 2], &pid)) return 0;
  return pid;
}

TEST_F(ServersOnOneEtcdTest, OneServerLeadsTheControllersAndTheOtherTakesOverWhenItIsKilled) {
  const std::string lease =
      "get lease -n kube-system sluice-controller-manager -o "
      "jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}'";
  // Polls the Lease through `server` until its holder is one of `candidates`.
  auto await_holder = [&](const std::string& server, const std::vector<pid_t>& candidates,
                          int seconds) -> pid_t {
    for (int i = 0; i < seconds * 4; ++i) {
      Result got = Kubectl(server, lease);
      pid_t pid = got.code == 0 ? HolderPid(std::string(absl::StripSuffix(
                                      got.output.substr(0, got.output.find(' ')), "\n")))
                                : 0;
      for (pid_t candidate : candidates)
        if (pid == candidate) return pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return 0;
  };
  pid_t leader = await_holder("a", servers_, 20);
  ASSERT_NE(leader, 0) << Kubectl("a", "get lease -A -o yaml").output;
  Result listed = Kubectl("b", "get lease -n kube-system");
  EXPECT_THAT(listed.output, testing::ContainsRegex("sluice-controller-manager +[^ ]+_" +
                                                    std::to_string(leader) + "_"));
  size_t lead = leader == servers_[0] ? 0 : 1;
  const std::string survivor = lead == 0 ? "b" : "a";
  auto await_slice = [&](const std::string& service) {
    for (int i = 0; i < 80; ++i) {
      Result got =
          Kubectl(survivor, "get endpointslices -n shop -l kubernetes.io/service-name=" + service +
                                " -o name");
      if (got.code == 0 && absl::StrContains(got.output, "endpointslice")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  };
  ASSERT_EQ(Kubectl(survivor, "apply -f " + dir_ + "/shop.yaml").code, 0);
  EXPECT_TRUE(await_slice("web")) << "the leader makes EndpointSlices";
  // Only the leader started its controllers.
  const std::string leader_log = dir_ + "/" + (lead == 0 ? "a" : "b") + "/server.log";
  const std::string survivor_log = dir_ + "/" + survivor + "/server.log";
  EXPECT_THAT(ReadFile(leader_log), testing::HasSubstr("_" + std::to_string(leader) + "_"));
  EXPECT_THAT(ReadFile(survivor_log), testing::Not(testing::HasSubstr(" leads ")));

  kill(leader, SIGKILL);
  Reap(leader, 10);
  servers_.erase(servers_.begin() + static_cast<long>(lead));
  auto killed = std::chrono::steady_clock::now();
  // Within the lease duration (15 s) and a retry period (2 s) of the last renewal.
  pid_t next = await_holder(survivor, servers_, 20);
  auto took = std::chrono::steady_clock::now() - killed;
  ASSERT_EQ(next, servers_[0]) << Kubectl(survivor, "get lease -A -o yaml").output;
  EXPECT_LE(took, std::chrono::seconds(18));
  Result transitions = Kubectl(survivor, lease);
  EXPECT_THAT(transitions.output, testing::EndsWith(" 1"));
  apiserver::WriteFile(dir_ + "/api.yaml",
                       "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
                       "spec:\n  selector: {app: api}\n  ports:\n  - port: 80\n");
  Result created = Kubectl(survivor, "apply -f " + dir_ + "/api.yaml");
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_TRUE(await_slice("api")) << "the new leader makes EndpointSlices";
  EXPECT_THAT(ReadFile(survivor_log), testing::HasSubstr(" leads "));
}

}  // namespace
}  // namespace sluice
