// `sluice up` as a user runs it, from the host: the real kubectl sees its
// node, a NodePort Service and EndpointSlice made with kubectl carry real TCP
// from the host to a backend pod behind the node, and stopping (SIGTERM), or
// a crash (kill -9) followed by another `up` or by `sluice down`, leaves
// nothing of the cluster on the machine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/integration/process.h"
#include "tests/integration/service_yaml.h"
#include "tests/integration/testserver.h"

namespace sluice::netns {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kNodePort = 30080;
constexpr char kBackendAddress[] = "10.244.0.10";  // in node 0's pod subnet

std::string Base36(long v) {
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
    v /= 36;
  } while (v > 0);
  return s;
}

std::string Cgroup2Mount() {
  std::ifstream mounts("/proc/mounts");
  for (std::string line; std::getline(mounts, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() >= 3 && f[2] == "cgroup2") return f[1];
  }
  return "";
}

// Runs `sluice down` for the clusters of test runs whose process is gone (a
// test killed at its time limit): names "ut<pid in base 36>".
void SweepStaleClusters() {
  static const std::regex kOurs("sluice-(ut([0-9a-z]+))-node[0-9]+");
  for (const std::string& ns : ListNamespaces()) {
    std::smatch m;
    if (!std::regex_match(ns, m, kOurs)) continue;
    long pid = std::strtol(m[2].str().c_str(), nullptr, 36);
    if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
    (void)RunCommand({SLUICE_PATH, "down", "--name", m[1].str()}, {.timeout = Millis(30000)});
  }
}

class SluiceUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root (namespaces, BPF, cgroups); CI runs as root";
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
    SweepStaleClusters();
    name_ = "ut" + Base36(getpid());
    // 198.18.0.0/15 is for benchmarking labs, not routed anywhere real; a
    // range per test process, and `up` refuses one already routed here.
    node_network_ = absl::StrCat("198.19.", getpid() % 256, ".0/24");
    node_address_ = NodeAddress(0);
    dir_ = ::testing::TempDir() + name_ + "-up";
    fs::remove_all(dir_);
    ASSERT_TRUE(fs::create_directories(dir_));
    cgroups_ = Cgroup2Mount();
  }

  // Node i's end of its veth: the i-th /30 of the node network.
  std::string NodeAddress(int i) const {
    return absl::StrCat("198.19.", getpid() % 256, ".", 4 * i + 2);
  }

  void TearDown() override {
    if (up_ > 0) {
      kill(up_, SIGKILL);
      (void)WaitChild(up_, Millis(5000));
    }
    (void)KillAllInNamespace(backend_ns());
    (void)DeleteNamespace(backend_ns());
    auto down = RunCommand({SLUICE_PATH, "down", "--name", name_}, {.timeout = Millis(30000)});
    EXPECT_TRUE(down.ok() && down->exit_code == 0)
        << (down.ok() ? down->out + down->err : down.status().ToString());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string node_ns() const { return "sluice-" + name_ + "-node0"; }
  std::string backend_ns() const { return name_ + "-be0"; }
  std::string kubeconfig() const { return dir_ + "/kubeconfig"; }

  // What the cluster made on the machine and must remove.
  std::vector<std::string> Made(int nodes = 1) const {
    std::vector<std::string> out;
    for (int i = 0; i < nodes; ++i) {
      std::string node = absl::StrCat(name_, "-node", i);
      for (std::string p :
           {"/run/netns/sluice-" + node, absl::StrCat("/sys/class/net/sl-", name_, "-", i),
            cgroups_ + "/sluice-" + node, "/sys/fs/bpf/sluice/" + node})
        out.push_back(p);
    }
    return out;
  }
  std::vector<std::string> Present(int nodes = 1) const {
    std::vector<std::string> out;
    for (const std::string& p : Made(nodes))
      if (fs::exists(p)) out.push_back(p);
    return out;
  }

  // Starts `sluice up` and waits for its kubeconfig: written once the nodes are Ready.
  void Up(int nodes = 1) {
    std::error_code ec;
    fs::remove(kubeconfig(), ec);
    auto pid = SpawnCommand({SLUICE_PATH, "up", "--name", name_, "--data-dir", dir_,
                             "--node-network", node_network_, "--nodes", absl::StrCat(nodes)});
    ASSERT_TRUE(pid.ok()) << pid.status();
    up_ = *pid;
    for (int i = 0; i < 1200 && !fs::exists(kubeconfig()); ++i) {
      auto exited = WaitChild(up_, Millis(0));
      if (exited.ok()) {
        up_ = -1;
        FAIL() << "sluice up exited (status " << *exited << ") before writing its kubeconfig";
      }
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(fs::exists(kubeconfig())) << "sluice up wrote no kubeconfig in 60 s";
  }

  // SIGTERM or SIGKILL; returns the raw wait status.
  int Stop(int signal) {
    kill(up_, signal);
    auto st = WaitChild(up_, Millis(30000));
    EXPECT_TRUE(st.ok()) << st.status();
    up_ = -1;
    return st.ok() ? *st : -1;
  }

  absl::StatusOr<std::string> Kubectl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"timeout",    "30",          "kubectl",      "--kubeconfig",
                                     kubeconfig(), "--cache-dir", dir_ + "/cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv, {.timeout = Millis(40000)});
    if (!r.ok()) return r.status();
    if (r->exit_code != 0)
      return absl::InternalError(absl::StrCat(absl::StrJoin(args, " "), ": ", r->err));
    return r->out;
  }
  void Apply(const std::string& yaml) {
    std::string path = dir_ + "/apply.yaml";
    std::ofstream(path) << yaml;
    auto out = Kubectl({"apply", "-f", path});
    ASSERT_TRUE(out.ok()) << out.status();
  }

  // A pod-like backend: a namespace on the node's bridge, default route via the node.
  void StartBackend() {
    std::string be = backend_ns(), link = name_ + "-be0";
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", be},
             {"ip", "-n", node_ns(), "link", "add", link, "type", "veth", "peer", "name", "eth0",
              "netns", be},
             {"ip", "-n", node_ns(), "link", "set", link, "master", "cbr0", "up"},
             {"ip", "-n", be, "link", "set", "lo", "up"},
             {"ip", "-n", be, "addr", "add", absl::StrCat(kBackendAddress, "/24"), "dev", "eth0"},
             {"ip", "-n", be, "link", "set", "eth0", "up"},
             {"ip", "-n", be, "route", "add", "default", "via", "10.244.0.1"}}) {
      auto r = RunCommand(argv);
      ASSERT_TRUE(r.ok() && r->exit_code == 0)
          << absl::StrJoin(argv, " ") << ": " << (r.ok() ? r->err : r.status().ToString());
    }
    auto pid = SpawnInNamespace(be, TestServerCommand("be0"), {.wait_ready = true});
    ASSERT_TRUE(pid.ok()) << pid.status();
  }

  void ApplyWebService() {
    Apply(WebNodePortService(80, kNodePort));
    Apply(WebEndpointSlice({kBackendAddress}, name_ + "-node0"));
  }

  // Connections from the host to the node's NodePort until `count` in a row
  // answer (the agent follows the watch within its poll interval).
  NamesReport QueryUntilAnswered(int count) {
    NamesReport r;
    for (auto end = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < end;) {
      auto q = QueryNamesFromHost(node_address_, kNodePort, {.count = count});
      EXPECT_TRUE(q.ok()) << q.status();
      if (!q.ok()) break;
      r = *q;
      if (r.ok == count) break;
      std::this_thread::sleep_for(500ms);
    }
    return r;
  }

  std::string name_, node_network_, node_address_, dir_, cgroups_;
  pid_t up_ = -1;
};

// "NAME INTERNAL-IP READY" a line, for every node.
constexpr char kNodeLines[] =
    "jsonpath={range .items[*]}{.metadata.name} "
    "{.status.addresses[?(@.type==\"InternalIP\")].address} "
    "{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}";

TEST_F(SluiceUpTest, KubectlSeesTheNodeAndANodePortCarriesHostTrafficToAPod) {
  ASSERT_NO_FATAL_FAILURE(Up());
  auto nodes = Kubectl({"get", "nodes", "-o", kNodeLines});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(*nodes, absl::StrCat(name_, "-node0 ", node_address_, " True\n"));
  EXPECT_TRUE(fs::exists(Made()[3])) << "the agent pinned nothing under " << Made()[3];

  ASSERT_NO_FATAL_FAILURE(StartBackend());
  ASSERT_NO_FATAL_FAILURE(ApplyWebService());
  NamesReport r = QueryUntilAnswered(5);
  EXPECT_EQ(r.ok, 5) << "errors: " << absl::StrJoin(r.errors, ", ", absl::PairFormatter("="));
  EXPECT_EQ(r.counts["be0"], 5);

  int st = Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "wait status " << st;
  EXPECT_EQ(Present(), std::vector<std::string>{}) << "sluice up left these behind";
}

TEST_F(SluiceUpTest, AnUpKilledWithSignalNineIsCleanedByTheNextUpOfTheSameName) {
  ASSERT_NO_FATAL_FAILURE(Up());
  Stop(SIGKILL);
  EXPECT_EQ(Present(), Made()) << "kill -9 gives no chance to clean up";

  // The same data directory: the objects (and the kubeconfig's token) stay.
  ASSERT_NO_FATAL_FAILURE(Up());
  auto ready = Kubectl({"get", "node", name_ + "-node0", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"});
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(*ready, "True");
  ASSERT_NO_FATAL_FAILURE(StartBackend());
  ASSERT_NO_FATAL_FAILURE(ApplyWebService());
  EXPECT_EQ(QueryUntilAnswered(3).ok, 3);

  Stop(SIGTERM);
  EXPECT_EQ(Present(), std::vector<std::string>{});
}

TEST_F(SluiceUpTest, TwoNodesEachWithItsAddressAndAgentAndAllRemovedAtTheEnd) {
  ASSERT_NO_FATAL_FAILURE(Up(2));
  auto nodes = Kubectl({"get", "nodes", "-o", kNodeLines});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(*nodes, absl::StrCat(name_, "-node0 ", NodeAddress(0), " True\n", name_, "-node1 ",
                                 NodeAddress(1), " True\n"));
  EXPECT_EQ(Present(2), Made(2));
  // Node 1's agent reaches the API server on node 0's veth through the host
  // and programs the Service too; but its NodePort has no route to node 0's
  // pod yet (the node drops it as unreachable rather than pass it on).
  ASSERT_NO_FATAL_FAILURE(StartBackend());
  ASSERT_NO_FATAL_FAILURE(ApplyWebService());
  EXPECT_EQ(QueryUntilAnswered(3).ok, 3);
  // Refused until node 1's agent has followed the watch.
  NamesReport from_node1;
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(200ms)) {
    auto q = QueryNamesFromHost(NodeAddress(1), kNodePort, {.count = 1});
    ASSERT_TRUE(q.ok()) << q.status();
    from_node1 = *q;
    if (from_node1.errors["refused"] == 0) break;
  }
  EXPECT_EQ(from_node1.ok, 0);
  EXPECT_EQ(from_node1.errors["refused"], 0) << "node 1's agent never programmed the NodePort";

  Stop(SIGTERM);
  EXPECT_EQ(Present(2), std::vector<std::string>{});
}

TEST_F(SluiceUpTest, AnAgentThatDiesMakesItsNodeNotReady) {
  ASSERT_NO_FATAL_FAILURE(Up());
  // The agent is all that runs in the node's namespace.
  auto pids = RunCommand({"ip", "netns", "pids", node_ns()});
  ASSERT_TRUE(pids.ok() && pids->exit_code == 0);
  int agent = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(pids->out), &agent)) << pids->out;
  kill(agent, SIGKILL);
  std::string ready;
  for (int i = 0; i < 50 && ready != "False"; ++i, std::this_thread::sleep_for(100ms)) {
    auto r = Kubectl({"get", "node", name_ + "-node0", "-o",
                      "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"});
    ASSERT_TRUE(r.ok()) << r.status();
    ready = *r;
  }
  EXPECT_EQ(ready, "False");
  Stop(SIGTERM);
  EXPECT_EQ(Present(), std::vector<std::string>{});
}

TEST_F(SluiceUpTest, DownRemovesWhatAKilledUpLeft) {
  ASSERT_NO_FATAL_FAILURE(Up());
  Stop(SIGKILL);
  auto down = RunCommand({SLUICE_PATH, "down", "--name", name_}, {.timeout = Millis(30000)});
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->exit_code, 0) << down->err;
  EXPECT_EQ(Present(), std::vector<std::string>{});
}

}  // namespace
}  // namespace sluice::netns
