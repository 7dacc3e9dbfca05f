// Two `sluice server --store etcd://...` on one real etcd are one cluster to
// the real kubectl: what is written through one server is read and watched
// through the other.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "control/store/etcd_test_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process with its output in a file; SIGKILLed when the object goes
// or the test process dies.
class Child {
 public:
  Child(std::vector<std::string> args, std::string log) : log_(std::move(log)) {
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    close(fd);
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Its exit code, once it exits within `timeout`; -1 if it had to be killed.
  int Wait(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    int status = 0;
    while (absl::Now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return -1;
  }
  // Waits until its output contains `text`.
  bool AwaitOutput(const std::string& text, absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (!absl::StrContains(output(), text)) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }
  std::string output() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

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

class ServersOnOneEtcdTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
    const char* sluice = getenv("SLUICE_BINARY");
    ASSERT_NE(sluice, nullptr) << "SLUICE_BINARY is not set";
    std::string dir = testing::TempDir() + "servers_on_etcd_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    // kubectl caches discovery under $HOME/.kube.
    setenv("HOME", dir_.c_str(), 1);
    std::ofstream(dir_ + "/shop.yaml") << kShop;
    auto etcd = store::EtcdTestServer::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = *std::move(etcd);
    for (const char* name : {"a", "b"}) {
      std::string kubeconfig = dir_ + "/" + name + ".kubeconfig";
      servers_.push_back(std::make_unique<Child>(
          std::vector<std::string>{sluice, "server", "--store", etcd_->url(), "--listen",
                                   "127.0.0.1:0", "--kubeconfig-out", kubeconfig},
          dir_ + "/" + name + ".log"));
      absl::Time deadline = absl::Now() + absl::Seconds(20);
      while (!std::filesystem::exists(kubeconfig) && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(50));
      }
      ASSERT_TRUE(std::filesystem::exists(kubeconfig)) << servers_.back()->output();
    }
  }

  void TearDown() override {
    servers_.clear();
    etcd_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // kubectl against server `name`; its exit code and output.
  std::pair<int, std::string> Kubectl(const std::string& name, std::vector<std::string> args) {
    Child child = KubectlChild(name, std::move(args), "kubectl.out");
    int code = child.Wait(absl::Seconds(30));
    return {code, child.output()};
  }
  Child KubectlChild(const std::string& name, std::vector<std::string> args,
                     const std::string& log) {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", dir_ + "/" + name + ".kubeconfig"});
    return Child(std::move(args), dir_ + "/" + log);
  }

  std::string dir_;
  std::unique_ptr<store::EtcdTestServer> etcd_;
  std::vector<std::unique_ptr<Child>> servers_;
};

TEST_F(ServersOnOneEtcdTest, WhatOneServerWritesTheOtherListsAndWatches) {
  auto [applied, apply_out] = Kubectl("a", {"apply", "-f", dir_ + "/shop.yaml"});
  ASSERT_EQ(applied, 0) << apply_out;
  auto [got, get_out] =
      Kubectl("b", {"get", "service", "web", "-n", "shop", "-o", "jsonpath={.spec.clusterIP}"});
  ASSERT_EQ(got, 0) << get_out;
  EXPECT_THAT(get_out, testing::StartsWith("10.96."));

  // b's watch lists the service, then sees it deleted through a.
  Child watch =
      KubectlChild("b", {"get", "services", "-A", "-w", "--output-watch-events"}, "watch.out");
  ASSERT_TRUE(watch.AwaitOutput("web", absl::Seconds(20))) << watch.output();
  auto [deleted, delete_out] = Kubectl("a", {"delete", "service", "web", "-n", "shop"});
  ASSERT_EQ(deleted, 0) << delete_out;
  EXPECT_TRUE(watch.AwaitOutput("DELETED", absl::Seconds(10))) << watch.output();
  auto [missing, missing_out] = Kubectl("b", {"get", "service", "web", "-n", "shop"});
  EXPECT_NE(missing, 0);
  EXPECT_THAT(missing_out, testing::HasSubstr("NotFound"));
}

}  // namespace
}  // namespace sluice
