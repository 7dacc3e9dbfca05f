// The namespace topology itself, before any BPF program: it comes up with
// the address plan, carries TCP and UDP of both families between every pair
// the load-balancer tests use, and always goes away without a trace.
#include <dirent.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/netns.h"
#include "tests/integration/testserver.h"

namespace sluice::netns {
namespace {

using Clock = std::chrono::steady_clock;

// Interfaces of the host namespace: /sys is the host's in this process.
std::set<std::string> HostLinks() {
  std::set<std::string> out;
  DIR* dir = opendir("/sys/class/net");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') out.insert(e->d_name);
  }
  closedir(dir);
  return out;
}

std::string HostSysctl(const std::string& key) {
  std::ifstream f("/proc/sys/" + key);
  std::string v;
  f >> v;
  return v;
}

// Dead and reaped, or a zombie nobody reaped yet: either way no longer holds
// a namespace.
bool ProcessGone(pid_t pid) {
  std::ifstream f(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  if (!std::getline(f, stat)) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

bool WaitGone(pid_t pid) {
  auto deadline = Clock::now() + std::chrono::seconds(3);
  while (!ProcessGone(pid)) {
    if (Clock::now() > deadline) return false;
    usleep(5000);
  }
  return true;
}

class TopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // CI runs as root: without it this is a failure, never a skip.
    ASSERT_EQ(geteuid(), 0u) << "the integration tests need root (network namespaces)";
    host_links_ = HostLinks();
    host_forward_ = HostSysctl("net/ipv4/ip_forward");
    auto topo = Topology::Create();
    ASSERT_TRUE(topo.ok()) << topo.status();
    topo_ = *std::move(topo);
  }

  void TearDown() override {
    if (topo_ == nullptr) return;
    std::string prefix = topo_->prefix();
    EXPECT_TRUE(topo_->Teardown().ok());
    topo_.reset();
    EXPECT_TRUE(Topology::Leftovers(prefix).empty());
    EXPECT_EQ(HostLinks(), host_links_) << "the host namespace changed";
    EXPECT_EQ(HostSysctl("net/ipv4/ip_forward"), host_forward_);
  }

  // Servers named after their place: "node", "pod", "be0".."be<N-1>".
  void StartServers() {
    ASSERT_TRUE(StartTestServer(*topo_, topo_->node_ns(), "node").ok());
    ASSERT_TRUE(StartTestServer(*topo_, topo_->pod_ns(), "pod").ok());
    for (int i = 0; i < topo_->num_backends(); ++i) {
      ASSERT_TRUE(StartTestServer(*topo_, topo_->backend_ns(i), absl::StrCat("be", i)).ok());
    }
  }

  // Every attempt from `ns` to `addr` is answered by `name`, TCP and UDP.
  void ExpectAnswers(const std::string& ns, const std::string& addr, const std::string& name) {
    for (Proto proto : {Proto::kTcp, Proto::kUdp}) {
      auto r = QueryNames(*topo_, ns, addr, kTestPort, {.proto = proto, .count = 3});
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->ok, 3) << ns << " -> " << addr << (proto == Proto::kTcp ? " tcp" : " udp");
      EXPECT_EQ(r->counts, (std::map<std::string, int64_t>{{name, 3}})) << ns << " -> " << addr;
    }
  }

  std::unique_ptr<Topology> topo_;
  std::set<std::string> host_links_;
  std::string host_forward_;
};

TEST_F(TopologyTest, ComesUpWithTheAddressPlan) {
  const Topology& t = *topo_;
  EXPECT_EQ(t.num_backends(), 3);
  EXPECT_EQ(t.namespaces().size(), 6u);
  std::vector<std::string> names = t.namespaces();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(Topology::Leftovers(t.prefix()), names);
  EXPECT_EQ(t.external().node.v4, "192.168.100.1");
  EXPECT_EQ(t.external().leaf.v6, "fd00:100::2");
  EXPECT_EQ(t.pod().leaf.v4, "10.244.0.2");
  EXPECT_EQ(t.backend(2).node.v6, "fd00:244:3::1");
  EXPECT_EQ(t.backend(2).subnet.v4, "10.244.3.0/24");
  EXPECT_EQ(t.backend_ifaces().size(), 3u);
  for (const Link& l : t.links()) EXPECT_LT(l.node_iface.size(), 16u) << l.node_iface;

  auto node_addrs = t.RunInOk(t.node_ns(), {"ip", "-brief", "address", "show"});
  ASSERT_TRUE(node_addrs.ok()) << node_addrs.status();
  for (const Link& l : t.links()) {
    EXPECT_TRUE(absl::StrContains(*node_addrs, l.node.v4 + "/24")) << *node_addrs;
    EXPECT_TRUE(absl::StrContains(*node_addrs, l.node.v6 + "/64")) << *node_addrs;
  }
  EXPECT_FALSE(absl::StrContains(*node_addrs, "tentative"));
  for (const char* key : {"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"}) {
    auto v = t.RunInOk(t.node_ns(), {"cat", absl::StrCat("/proc/sys/", key)});
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(*v, "1\n") << key;
  }
  for (const Link& l : t.links()) {
    auto routes = t.RunInOk(l.ns, {"ip", "route", "show", "default"});
    auto routes6 = t.RunInOk(l.ns, {"ip", "-6", "route", "show", "default"});
    ASSERT_TRUE(routes.ok() && routes6.ok());
    EXPECT_TRUE(absl::StrContains(*routes, "via " + l.node.v4)) << *routes;
    EXPECT_TRUE(absl::StrContains(*routes6, "via " + l.node.v6)) << *routes6;
  }
}

// Checksum and segmentation offloads off (XDP rewrites need full checksums);
// GRO on, which gives each veth the NAPI context XDP redirects need.
TEST_F(TopologyTest, OffloadsAreOffAndGroOnOnBothEndsOfEveryVeth) {
  for (const Link& l : topo_->links()) {
    for (const auto& [ns, iface] :
         {std::pair{topo_->node_ns(), l.node_iface}, std::pair{l.ns, l.leaf_iface}}) {
      auto out = topo_->RunInOk(ns, {"ethtool", "-k", iface});
      ASSERT_TRUE(out.ok()) << out.status();
      for (const char* feature :
           {"rx-checksumming: off", "tx-checksumming: off", "generic-segmentation-offload: off",
            "tcp-segmentation-offload: off", "generic-receive-offload: on"}) {
        EXPECT_TRUE(absl::StrContains(*out, feature)) << ns << " " << iface << ": " << feature;
      }
    }
  }
}

TEST_F(TopologyTest, ClientReachesEveryNodeAddressOverBothFamilies) {
  StartServers();
  // Addresses of other interfaces too: UDP answers must leave from the
  // address asked, not the one routing prefers (NodePorts answer on all).
  for (const Link& l : topo_->links()) {
    ExpectAnswers(topo_->client_ns(), l.node.v4, "node");
    ExpectAnswers(topo_->client_ns(), l.node.v6, "node");
  }
}

TEST_F(TopologyTest, NodeReachesEachBackendOverBothFamilies) {
  StartServers();
  for (int i = 0; i < topo_->num_backends(); ++i) {
    ExpectAnswers(topo_->node_ns(), topo_->backend(i).leaf.v4, absl::StrCat("be", i));
    ExpectAnswers(topo_->node_ns(), topo_->backend(i).leaf.v6, absl::StrCat("be", i));
  }
}

TEST_F(TopologyTest, PodAndClientReachEachBackendThroughTheNode) {
  StartServers();
  for (int i = 0; i < topo_->num_backends(); ++i) {
    for (const std::string& ns : {topo_->pod_ns(), topo_->client_ns()}) {
      ExpectAnswers(ns, topo_->backend(i).leaf.v4, absl::StrCat("be", i));
      ExpectAnswers(ns, topo_->backend(i).leaf.v6, absl::StrCat("be", i));
    }
  }
  ExpectAnswers(topo_->backend_ns(0), topo_->pod().leaf.v4, "pod");
}

TEST_F(TopologyTest, BackendsSeeTheClientsOwnAddress) {
  StartServers();
  const AddrPair& client = topo_->external().leaf;
  for (Proto proto : {Proto::kTcp, Proto::kUdp}) {
    for (const auto& [to, from] : {std::pair{topo_->backend(1).leaf.v4, client.v4},
                                   std::pair{topo_->backend(1).leaf.v6, client.v6}}) {
      auto r = QueryNames(*topo_, topo_->client_ns(), to, kTestPort,
                          {.proto = proto, .count = 2, .peer = true});
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->peers, (std::vector<std::string>{from, from})) << to;
    }
  }
}

TEST_F(TopologyTest, ClosedPortsAreRefusedAtOnce) {
  StartServers();
  const std::string& be0 = topo_->backend(0).leaf.v4;
  for (Proto proto : {Proto::kTcp, Proto::kUdp}) {
    auto start = Clock::now();
    auto r = QueryNames(*topo_, topo_->client_ns(), be0, kTestPort + 1,
                        {.proto = proto, .count = 3, .timeout_each = Millis(2000)});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->ok, 0);
    EXPECT_EQ(r->errors, (std::map<std::string, int64_t>{{"refused", 3}}));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2)) << "a refusal, not a timeout";
  }
}

TEST_F(TopologyTest, StreamsCarryEveryByteAndDatagram) {
  StartServers();
  // Both at once, as a test does while it restarts an agent.
  auto tcp = std::async(std::launch::async, [&] {
    return RunTcpStream(*topo_, topo_->client_ns(), topo_->backend(0).leaf.v4, kTestPort,
                        Millis(1000));
  });
  auto udp = RunUdpStream(*topo_, topo_->pod_ns(), topo_->backend(1).leaf.v6, kTestPort,
                          Millis(1000), 500);
  auto tcp_report = tcp.get();
  ASSERT_TRUE(tcp_report.ok()) << tcp_report.status();
  EXPECT_EQ(tcp_report->name, "be0");
  EXPECT_EQ(tcp_report->error, "");
  EXPECT_GT(tcp_report->sent, 500000);  // 1 MB/s for a second
  EXPECT_EQ(tcp_report->received, tcp_report->sent);
  EXPECT_EQ(tcp_report->mismatched, 0);
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_GT(udp->sent, 400);
  EXPECT_EQ(udp->lost, 0);
  EXPECT_EQ(udp->duplicates, 0);
  EXPECT_EQ(udp->names, (std::map<std::string, int64_t>{{"be1", udp->sent}}));
  EXPECT_EQ(udp->switches, 0);
}

TEST_F(TopologyTest, SpawnedServersCanBeKilledAndStartedAgain) {
  auto pid = StartTestServer(*topo_, topo_->backend_ns(2), "be2");
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(topo_->Signal(*pid, SIGKILL).ok());
  auto st = topo_->Wait(*pid, Millis(2000));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGKILL);
  auto gone = QueryNames(*topo_, topo_->node_ns(), topo_->backend(2).leaf.v4, kTestPort);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->errors["refused"], 1);
  ASSERT_TRUE(StartTestServer(*topo_, topo_->backend_ns(2), "be2-again").ok());
  ExpectAnswers(topo_->node_ns(), topo_->backend(2).leaf.v6, "be2-again");
  auto again = StartTestServer(*topo_, topo_->backend_ns(2), "second", kTestPort + 2);
  ASSERT_TRUE(again.ok());
  auto stopped = topo_->Stop(*again);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_TRUE(WIFSIGNALED(*stopped) && WTERMSIG(*stopped) == SIGTERM);
}

TEST_F(TopologyTest, CommandsRunOnlyInItsOwnNamespacesAndAreBounded) {
  EXPECT_EQ(topo_->RunIn("", {"true"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(topo_->RunIn("elsewhere", {"true"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(topo_->Spawn("elsewhere", {"true"}).ok());
  auto slow = topo_->RunIn(topo_->node_ns(), {"sleep", "5"}, {.timeout = Millis(200)});
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded);
  auto missing = topo_->RunIn(topo_->node_ns(), {"/nonexistent/program"});
  EXPECT_FALSE(missing.ok());
  auto failing = topo_->RunInOk(topo_->node_ns(), {"sh", "-c", "echo oops >&2; exit 3"});
  EXPECT_TRUE(absl::StrContains(failing.status().message(), "oops")) << failing.status();
  auto input = topo_->RunInOk(topo_->pod_ns(), {"cat"}, {.input = "through stdin"});
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(*input, "through stdin");
}

TEST(TopologyOptions, BackendCountIsBounded) {
  EXPECT_EQ(Topology::Create({.backends = 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Topology::Create({.backends = 17}).status().code(), absl::StatusCode::kInvalidArgument);
}

// Teardown, including when a test fails or throws half-way.

std::string failed_prefix;
pid_t failed_server = 0;

void FailHalfWay() {
  auto topo = Topology::Create();
  ASSERT_TRUE(topo.ok()) << topo.status();
  failed_prefix = (*topo)->prefix();
  auto pid = StartTestServer(**topo, (*topo)->backend_ns(0), "be0");
  ASSERT_TRUE(pid.ok());
  failed_server = *pid;
  FAIL() << "simulated failure";  // returns: the topology goes out of scope
}

class TeardownTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(geteuid(), 0u) << "the integration tests need root"; }
};

TEST_F(TeardownTest, RemovesEverythingOnAnExplicitCall) {
  std::set<std::string> host_links = HostLinks();
  auto topo = Topology::Create({.backends = 4});
  ASSERT_TRUE(topo.ok()) << topo.status();
  std::string prefix = (*topo)->prefix();
  EXPECT_EQ(Topology::Leftovers(prefix).size(), 7u);
  auto pid = StartTestServer(**topo, (*topo)->node_ns(), "node");
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(HostLinks(), host_links) << "no veth end in the host namespace";
  EXPECT_TRUE((*topo)->Teardown().ok());
  EXPECT_TRUE(Topology::Leftovers(prefix).empty());
  EXPECT_TRUE(ProcessGone(*pid));
  EXPECT_TRUE((*topo)->Teardown().ok()) << "idempotent";
  topo->reset();
  EXPECT_EQ(HostLinks(), host_links);
}

TEST_F(TeardownTest, RunsWhenTheTestBodyFails) {
  EXPECT_FATAL_FAILURE(FailHalfWay(), "simulated failure");
  ASSERT_FALSE(failed_prefix.empty());
  EXPECT_TRUE(Topology::Leftovers(failed_prefix).empty());
  EXPECT_TRUE(ProcessGone(failed_server));
}

TEST_F(TeardownTest, RunsWhenTheTestBodyThrows) {
  std::string prefix;
  try {
    auto topo = Topology::Create();
    ASSERT_TRUE(topo.ok()) << topo.status();
    prefix = (*topo)->prefix();
    throw std::runtime_error("simulated exception");
  } catch (const std::runtime_error&) {
  }
  ASSERT_FALSE(prefix.empty());
  EXPECT_TRUE(Topology::Leftovers(prefix).empty());
}

struct CrashedRun {
  std::string prefix;
  pid_t sleeper = 0;  // a process it left running in one of its namespaces
};

// Forks a run that builds a topology, leaves a process in it and is killed
// with SIGKILL: no destructor runs, as when a test hits its time limit.
void CrashARun(CrashedRun* crashed) {
  int report[2], hold[2];
  ASSERT_EQ(pipe(report), 0);
  ASSERT_EQ(pipe(hold), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(report[0]);
    close(hold[1]);
    auto topo = Topology::Create();
    if (!topo.ok()) _exit(1);
    auto out = (*topo)->RunInOk((*topo)->backend_ns(1),
                                {"sh", "-c", "sleep 60 </dev/null >/dev/null 2>&1 & echo $!"});
    if (!out.ok()) _exit(1);
    std::string msg = absl::StrCat((*topo)->prefix(), " ", *out);
    (void)!write(report[1], msg.data(), msg.size());
    char c;
    (void)!read(hold[0], &c, 1);  // until killed (or the test dies: EOF)
    _exit(0);
  }
  close(report[1]);
  close(hold[0]);
  char buf[128] = {};
  ssize_t n = read(report[0], buf, sizeof buf - 1);
  close(report[0]);
  std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(buf), ' ');
  if (n > 0 && parts.size() == 2) {
    crashed->prefix = parts[0];
    crashed->sleeper = std::stoi(parts[1]);
    // Checked while the run lives: once it is dead, any other run may sweep.
    EXPECT_EQ(Topology::Leftovers(crashed->prefix).size(), 6u);
    EXPECT_FALSE(ProcessGone(crashed->sleeper));
  }
  kill(child, SIGKILL);
  int st;
  waitpid(child, &st, 0);
  close(hold[1]);
  ASSERT_FALSE(crashed->prefix.empty()) << "the crashing run reported nothing";
}

TEST_F(TeardownTest, SweepLeftoversRemovesWhatACrashedRunLeft) {
  CrashedRun crashed;
  ASSERT_NO_FATAL_FAILURE(CrashARun(&crashed));
  // Foreign or too broad prefixes are refused; a counter is not a prefix of another.
  EXPECT_FALSE(Topology::SweepLeftovers("").ok());
  EXPECT_FALSE(Topology::SweepLeftovers("sl").ok());
  EXPECT_FALSE(Topology::SweepLeftovers("eth").ok());
  EXPECT_FALSE(Topology::SweepLeftovers("sluice-local").ok()) << "`sluice up`'s node namespaces";
  EXPECT_TRUE(Topology::Leftovers(crashed.prefix + "0").empty());

  ASSERT_TRUE(Topology::SweepLeftovers(crashed.prefix).ok());
  EXPECT_TRUE(Topology::Leftovers(crashed.prefix).empty());
  EXPECT_TRUE(WaitGone(crashed.sleeper));
}

TEST_F(TeardownTest, SweepStaleRemovesOnlyRunsWhoseProcessIsGone) {
  auto live = Topology::Create();
  ASSERT_TRUE(live.ok()) << live.status();
  CrashedRun crashed;
  ASSERT_NO_FATAL_FAILURE(CrashARun(&crashed));
  std::vector<std::string> stale = Topology::StalePrefixes();
  EXPECT_EQ(std::count(stale.begin(), stale.end(), (*live)->prefix()), 0);
  ASSERT_TRUE(Topology::SweepStale().ok());
  EXPECT_TRUE(Topology::Leftovers(crashed.prefix).empty());
  EXPECT_TRUE(WaitGone(crashed.sleeper));
  EXPECT_EQ(Topology::Leftovers((*live)->prefix()).size(), 6u);
}

TEST_F(TeardownTest, SweepMatchesWholeCounters) {
  auto topo = Topology::Create({.backends = 1});
  ASSERT_TRUE(topo.ok()) << topo.status();
  // "sl<pid>" of this process, with two made-up instance counters.
  std::string pid_part = (*topo)->prefix().substr(0, (*topo)->prefix().find('-'));
  topo->reset();
  for (const char* counter : {"q1", "q10"}) {
    auto r = RunCommand({"ip", "netns", "add", absl::StrCat(pid_part, "-", counter, "-node")});
    ASSERT_TRUE(r.ok() && r->exit_code == 0);
  }
  EXPECT_EQ(Topology::Leftovers(pid_part + "-q1"),
            (std::vector<std::string>{pid_part + "-q1-node"}));
  ASSERT_TRUE(Topology::SweepLeftovers(pid_part + "-q1").ok());
  EXPECT_EQ(Topology::Leftovers(pid_part).size(), 1u);
  ASSERT_TRUE(Topology::SweepLeftovers(pid_part).ok());
  EXPECT_TRUE(Topology::Leftovers(pid_part).empty());
}

}  // namespace
}  // namespace sluice::netns
