// Tests of `sluice bench` (root, as CI runs them): a short run of every
// contender delivers and counts packets and reports every cell, with the
// generator the tool chose and with the packet generator forced, the
// topology is gone afterwards and after Ctrl-C, and the kube-proxy rules the
// tool generates really DNAT a datagram from the client to an endpoint.
// No test asserts a rate.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tools/sluice/bench/command.h"
#include "tools/sluice/bench/kube_rules.h"
#include "tools/sluice/bench/packet_gen.h"
#include "tools/sluice/bench/services.h"
#include "tools/sluice/bench/topology.h"
#include "tools/sluice/bench/traffic.h"

namespace sluice::bench {
namespace {

using namespace std::chrono_literals;

// A scratch directory, removed with everything in it at the end of a test.
struct TempDir {
  TempDir() {
    char dir[] = "/tmp/bench-tool-test-XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    path = dir;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  operator std::string() const { return path; }
  std::string path;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Starts the sluice binary with `args`, stdout and stderr to files in `dir`.
pid_t StartSluice(const std::vector<std::string>& args, const std::string& dir) {
  pid_t pid = fork();
  if (pid == 0) {
    int out = open((dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open((dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv{const_cast<char*>(SLUICE_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SLUICE_BIN, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits up to `timeout` for the child; returns its raw status, or -1 after
// killing it when it overran.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(20ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

TEST(BenchTool, EveryContenderDeliversAndTheJsonHasEveryCell) {
  const TempDir tmp;
  const std::string dir = tmp;
  pid_t pid = StartSluice({"bench", "--services", "1,10", "--runs", "2", "--packets", "3000",
                           "--json", dir + "/report.json"},
                          dir);
  int status = WaitFor(pid, 120s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(dir + "/err");
  EXPECT_TRUE(Topology::NamespacesOf(pid).empty());

  auto j = nlohmann::json::parse(Slurp(dir + "/report.json"));
  EXPECT_FALSE(j["machine"]["kernel"].get<std::string>().empty());
  // Live frames where the kernel runs them, else the packet generator.
  const std::string generator = j["settings"]["generator"];
  EXPECT_TRUE(generator == "live" || generator == "packet") << generator;
  std::set<std::tuple<std::string, int, std::string>> seen;
  for (const auto& c : j["cells"]) {
    const std::string contender = c["contender"];
    seen.insert({contender, c["services"].get<int>(), c["pattern"].get<std::string>()});
    ASSERT_EQ(c["runs"].size(), 2u);
    for (const auto& r : c["runs"]) {
      EXPECT_GT(r["delivered"].get<uint64_t>(), 0u) << contender;
      EXPECT_LE(r["delivered"].get<uint64_t>(), r["sent"].get<uint64_t>()) << contender;
      EXPECT_EQ(r["sent"].get<uint64_t>(), 3000u);
    }
    EXPECT_GT(c["mpps_median"].get<double>(), 0) << contender;
    EXPECT_TRUE(c["ratio_to_floor"].is_number()) << contender;
    const bool has_rules =
        contender == "sluice" || contender == "iptables" || contender == "nftables";
    EXPECT_EQ(c["endpoint_change_seconds"].is_number(), has_rules) << contender;
  }
  for (const char* contender : {"sluice", "iptables", "nftables", "floor", "noop"}) {
    for (int services : {1, 10}) {
      for (const char* pattern : {"new", "established"}) {
        EXPECT_TRUE(seen.contains({contender, services, pattern}))
            << contender << " " << services << " " << pattern;
      }
    }
  }
  EXPECT_EQ(seen.size(), 20u);
  // The table went to stdout.
  EXPECT_NE(Slurp(dir + "/out").find("x floor"), std::string::npos);
}

TEST(BenchTool, EveryContenderDeliversRealFramesFromThePacketGenerator) {
  const TempDir tmp;
  const std::string dir = tmp;
  pid_t pid = StartSluice({"bench", "--generator", "packet", "--services", "1", "--runs", "1",
                           "--packets", "2000", "--json", dir + "/report.json"},
                          dir);
  int status = WaitFor(pid, 120s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(dir + "/err");
  EXPECT_TRUE(Topology::NamespacesOf(pid).empty());

  auto j = nlohmann::json::parse(Slurp(dir + "/report.json"));
  EXPECT_EQ(j["settings"]["generator"], "packet");
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& c : j["cells"]) {
    const std::string contender = c["contender"];
    seen.insert({contender, c["pattern"].get<std::string>()});
    ASSERT_EQ(c["runs"].size(), 1u);
    const auto& r = c["runs"][0];
    EXPECT_EQ(r["sent"].get<uint64_t>(), 2000u) << contender;
    EXPECT_GT(r["delivered"].get<uint64_t>(), 0u) << contender;
    EXPECT_LE(r["delivered"].get<uint64_t>(), 2000u) << contender;
    EXPECT_EQ(r["fixed_seconds_removed"].get<double>(), 0) << contender;
    EXPECT_GT(c["mpps_median"].get<double>(), 0) << contender;
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_NE(Slurp(dir + "/out").find("packet (AF_PACKET TX ring"), std::string::npos)
      << Slurp(dir + "/out");
}

// The packet generator's new-flow frames are each a flow of their own (the
// node's conntrack table holds one entry per frame), its established frames
// one flow, and the sink counts them all.
TEST(BenchTool, PacketGeneratorNewFlowFramesEachOpenAFlow) {
  auto topo = Topology::Create();
  ASSERT_TRUE(topo.ok()) << topo.status();
  Topology& t = **topo;
  const auto services = MakeServices(1, 3);
  auto r = bench::Run(t.node_ns(), {"iptables-restore"}, IptablesRules(services));
  ASSERT_TRUE(r.ok()) << r.status();
  auto live = LivePrograms::Load(t.sink_ns(), t.sink_ifindex());
  ASSERT_TRUE(live.ok()) << live.status();
  auto gen = PacketGenerator::Create(t.client_ns(), "eth0");
  ASSERT_TRUE(gen.ok()) << gen.status();
  FrameSpec spec;
  spec.src_mac = t.client_mac();
  spec.dst_mac = t.node_ext_mac();
  spec.daddr = Target(services).vip;
  spec.dport = kServicePort;
  auto sunk = [&] { return (*live)->Sunk(); };
  auto flows = [&]() -> uint64_t {
    auto n = bench::Run(t.node_ns(), {"conntrack", "-C"});
    return n.ok() ? std::stoull(*n) : 0;
  };

  spec.saddr = 0x0a0b0000;  // 10.11.0.0: the generator writes the low half
  spec.sport = 40000;
  auto fresh = (*gen)->Run(UdpFrame(spec), true, {5000, 0, 0}, sunk);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->sent, 5000u);
  EXPECT_EQ(fresh->delivered, 5000u);
  EXPECT_GE(flows(), 5000u);

  ASSERT_TRUE(bench::Run(t.node_ns(), {"conntrack", "-F"}).ok());
  spec.saddr = 0x0a0a0002;
  auto same = (*gen)->Run(UdpFrame(spec), false, {5000, 0, 0}, sunk);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->delivered, 5000u);
  EXPECT_EQ(flows(), 1u);
  EXPECT_TRUE(t.Teardown().ok());
}

TEST(BenchTool, CtrlCRemovesTheTopology) {
  const TempDir tmp;
  const std::string dir = tmp;
  pid_t pid = StartSluice({"bench", "--services", "1", "--contenders", "floor", "--patterns",
                           "established", "--runs", "1", "--duration-ms", "60000"},
                          dir);
  // Established flows: a new-flow run stops at 50,000 frames. Wait until the
  // run is under way (progress says the rules are loaded).
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (Slurp(dir + "/err").find("loaded") == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(Topology::NamespacesOf(pid).empty()) << Slurp(dir + "/err");
  std::this_thread::sleep_for(300ms);
  kill(pid, SIGINT);
  int status = WaitFor(pid, 20s);
  ASSERT_TRUE(WIFEXITED(status)) << "did not stop on SIGINT";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(Slurp(dir + "/err").find("interrupted"), std::string::npos) << Slurp(dir + "/err");
  EXPECT_TRUE(Topology::NamespacesOf(pid).empty());
}

TEST(BenchTool, CtrlCDuringALongLoadRemovesTheTopology) {
  // Programming 3,000 services into Sluice takes tens of seconds here: the
  // signal must be heard during the load, not after it.
  const TempDir tmp;
  const std::string dir = tmp;
  pid_t pid = StartSluice(
      {"bench", "--services", "3000", "--contenders", "sluice", "--runs", "1", "--packets", "1000"},
      dir);
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (Topology::NamespacesOf(pid).size() < 3 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(Topology::NamespacesOf(pid).size(), 3u) << Slurp(dir + "/err");
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(Slurp(dir + "/err").find("loaded"), std::string::npos) << "the load was too quick";
  kill(pid, SIGINT);
  int status = WaitFor(pid, 20s);
  ASSERT_TRUE(WIFEXITED(status)) << "did not stop on SIGINT";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(Slurp(dir + "/err").find("interrupted"), std::string::npos) << Slurp(dir + "/err");
  EXPECT_TRUE(Topology::NamespacesOf(pid).empty());
}

// A UDP socket bound to addr:port in the current namespace.
int Bound(uint32_t addr, uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(addr);
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends datagrams from the client to `service` until one reaches a listener
// on one of its endpoints in the sink; returns that endpoint (0: none) and
// the source the endpoint saw.
std::pair<uint32_t, uint32_t> DnatTarget(const Topology& t, const BenchService& service) {
  std::vector<int> listeners;
  EXPECT_TRUE(
      InNetns(t.sink_ns(), [&]() -> absl::Status {
        for (uint32_t ep : service.endpoints) {
          auto r = Run(t.sink_ns(), {"ip", "addr", "replace", Ipv4String(ep) + "/32", "dev", "lo"});
          if (!r.ok()) return r.status();
          listeners.push_back(Bound(ep, kEndpointPort));
        }
        return absl::OkStatus();
      }).ok());
  int client = -1;
  EXPECT_TRUE(InNetns(t.client_ns(), [&] {
                client = Bound(0, 0);
                return absl::OkStatus();
              }).ok());
  std::pair<uint32_t, uint32_t> got{0, 0};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kServicePort);
  to.sin_addr.s_addr = htonl(service.vip);
  for (int attempt = 0; attempt < 10 && got.first == 0; ++attempt) {
    sendto(client, "hello", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    std::vector<pollfd> fds;
    for (int fd : listeners) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 500) <= 0) continue;
    for (size_t i = 0; i < fds.size() && got.first == 0; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      char buf[16];
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      if (recvfrom(listeners[i], buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len) ==
          5) {
        got = {service.endpoints[i], ntohl(from.sin_addr.s_addr)};
      }
    }
  }
  close(client);
  for (int fd : listeners) close(fd);
  return got;
}

void ExpectRulesDnat(const std::vector<std::string>& load, const std::string& rules,
                     const std::vector<std::string>& change,
                     std::string (*change_rules)(const BenchService&, const BenchService&)) {
  auto topo = Topology::Create();
  ASSERT_TRUE(topo.ok()) << topo.status();
  Topology& t = **topo;
  const auto services = MakeServices(5, 3);
  auto r = Run(t.node_ns(), load, rules);
  ASSERT_TRUE(r.ok()) << r.status();
  auto [endpoint, source] = DnatTarget(t, Target(services));
  EXPECT_NE(endpoint, 0u) << "no endpoint got the datagram";
  EXPECT_EQ(source, 0x0a140001u) << "masqueraded to the node's address";

  const BenchService after = ChangedEndpoint(services);
  r = Run(t.node_ns(), change, change_rules(services.front(), after));
  ASSERT_TRUE(r.ok()) << r.status();
  // Only the new endpoint set receives: the removed one is not listened on.
  std::set<uint32_t> hit;
  for (int i = 0; i < 30; ++i) hit.insert(DnatTarget(t, after).first);
  EXPECT_FALSE(hit.contains(0u));
  EXPECT_TRUE(hit.contains(after.endpoints.back())) << "the new endpoint never chosen in 30 tries";
  EXPECT_TRUE(t.Teardown().ok());
}

TEST(BenchTool, IptablesRulesDnatARealDatagram) {
  ExpectRulesDnat({"iptables-restore"}, IptablesRules(MakeServices(5, 3)),
                  {"iptables-restore", "--noflush"}, IptablesEndpointChange);
}

TEST(BenchTool, NftablesRulesDnatARealDatagram) {
  ExpectRulesDnat({"nft", "-f", "-"}, NftRules(MakeServices(5, 3)), {"nft", "-f", "-"},
                  NftEndpointChange);
}

}  // namespace
}  // namespace sluice::bench
