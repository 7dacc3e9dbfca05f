// Two `sluice server --store etcd://...` on one real etcd are one cluster to
// the real kubectl (over HTTPS, with the kubeconfig each server writes): what
// is written through one server is read and watched through the other.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
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

}  // namespace
}  // namespace sluice
