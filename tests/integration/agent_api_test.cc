// `sluice agent --kubeconfig` on a node in network namespaces, programmed from
// `sluice server` running on the node's loopback: a NodePort Service and its
// EndpointSlice created, changed and deleted with the real kubectl reach the
// datapath, and real TCP from a client outside the node follows them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/integration/netns.h"
#include "tests/integration/service_yaml.h"
#include "tests/integration/testserver.h"

namespace sluice::netns {
namespace {

using namespace std::chrono_literals;

constexpr int kNodePort = 30081;

std::string Service() {
  return WebNodePortService(kTestPort, kNodePort);
}

// The Service has no selector: the slice is ours to write.
std::string Slice(const Topology& t, const std::vector<int>& backends) {
  std::vector<std::string> addresses;
  for (int i : backends) addresses.push_back(t.backend(i).leaf.v4);
  return WebEndpointSlice(addresses, "elsewhere");
}

class AgentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root (network namespaces, BPF); CI runs as root";
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
    auto t = Topology::Create({.backends = 3});
    ASSERT_TRUE(t.ok()) << t.status();
    topo_ = *std::move(t);
    pin_root_ = "/sys/fs/bpf/sluice-test-" + topo_->prefix();
    dir_ = ::testing::TempDir() + topo_->prefix() + "-api";
    ASSERT_TRUE(std::filesystem::create_directories(dir_));
    // By value: the topology (and this) may be torn down after the strings.
    topo_->AtTeardown([pin_root = pin_root_, dir = dir_] {
      std::error_code ec;
      std::filesystem::remove_all(pin_root, ec);  // links (programs detach) and maps
      std::filesystem::remove_all(dir, ec);
      if (std::filesystem::exists(pin_root))
        return absl::InternalError(absl::StrCat("could not remove ", pin_root));
      return absl::OkStatus();
    });
    for (int i = 0; i < topo_->num_backends(); ++i)
      ASSERT_TRUE(StartTestServer(*topo_, topo_->backend_ns(i), absl::StrCat("be", i)).ok());
    // The API server on the node's own loopback (namespaces do not share one).
    auto server = topo_->Spawn(topo_->node_ns(),
                               {SLUICE_PATH, "server", "--data-dir", dir_ + "/data", "--listen",
                                "127.0.0.1:6443", "--kubeconfig-out", dir_ + "/kubeconfig",
                                "--node-kubeconfig-out", dir_ + "/node-kubeconfig"});
    ASSERT_TRUE(server.ok()) << server.status();
    for (int i = 0; i < 300 && !std::filesystem::exists(dir_ + "/node-kubeconfig"); ++i)
      std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(std::filesystem::exists(dir_ + "/node-kubeconfig")) << "the server wrote none";
  }

  // `kubectl args` with the admin kubeconfig, in the node namespace.
  void Kubectl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        "timeout",     "30",           "kubectl", "--kubeconfig", dir_ + "/kubeconfig",
        "--cache-dir", dir_ + "/cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto out = topo_->RunInOk(topo_->node_ns(), argv);
    ASSERT_TRUE(out.ok()) << absl::StrJoin(args, " ") << ": " << out.status();
  }
  void Apply(const std::string& yaml) {
    std::string path = dir_ + "/apply.yaml";
    std::ofstream(path) << yaml;
    Kubectl({"apply", "-f", path});
  }

  // The agent on the node's node kubeconfig; returns once it programmed and attached.
  pid_t StartAgent() {
    std::vector<std::string> devices = topo_->backend_ifaces();
    devices.insert(devices.begin(), topo_->external_iface());
    auto pid =
        topo_->Spawn(topo_->node_ns(),
                     {SLUICE_PATH, "agent", "--kubeconfig", dir_ + "/node-kubeconfig",
                      "--node-name", topo_->prefix(), "--devices", absl::StrJoin(devices, ","),
                      "--node-ip", topo_->external().node.v4, "--pin-root", pin_root_,
                      "--poll-interval-ms", "100", "--ready-fd", "3"},
                     {.wait_ready = true, .ready_timeout = Millis(20000)});
    EXPECT_TRUE(pid.ok()) << pid.status();
    return pid.ok() ? *pid : -1;
  }

  NamesReport Query(int count) {
    auto r = QueryNames(*topo_, topo_->client_ns(), topo_->external().node.v4, kNodePort,
                        {.count = count, .timeout_each = Millis(1000)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : NamesReport{};
  }

  template <typename F>
  bool Eventually(F ok, Millis limit = Millis(10000)) {
    for (auto end = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < end;) {
      if (ok()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return ok();
  }

  std::unique_ptr<Topology> topo_;
  std::string pin_root_, dir_;
};

TEST_F(AgentApiTest, ANodePortMadeWithKubectlReachesItsBackendsAndFollowsChanges) {
  Apply(Service());
  Apply(Slice(*topo_, {0, 1}));
  ASSERT_GT(StartAgent(), 0);

  NamesReport first = Query(20);
  EXPECT_EQ(first.ok, 20);
  EXPECT_EQ(first.counts.count("be2"), 0u) << "be2 is no endpoint yet";
  EXPECT_EQ(first.counts.size(), 2u) << "Maglev spreads 20 connections over both backends";

  // The watch brings the new slice: only be2 from now on.
  Apply(Slice(*topo_, {2}));
  EXPECT_TRUE(Eventually([&] {
    NamesReport r = Query(5);
    return r.ok == 5 && r.counts.size() == 1 && r.counts.count("be2") == 1;
  })) << "the agent did not follow the EndpointSlice's change";

  // And the deletion: nothing answers on the NodePort any more.
  Kubectl({"delete", "service", "web"});
  EXPECT_TRUE(Eventually([&] { return Query(2).ok == 0; })) << "the deleted Service still answers";
}

}  // namespace
}  // namespace sluice::netns
