// `sluice agent` with its BPF programs on a node in network namespaces, and
// real TCP and UDP traffic from a client outside the node, from a pod on it
// and from the node itself to backends that answer with their names.
//
// XDP on the node's external and backend-facing interfaces translates (and
// reverse-translates) and redirects; tc ingress on the pod's veth serves
// ClusterIP for the pod (XDP there with --local-hook xdp); tc egress on the
// node's interfaces serves the node's own traffic outside the socket hooks'
// cgroup; the socket programs serve the cgroup's processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/netns.h"
#include "tests/integration/testserver.h"

namespace sluice::netns {
namespace {

using namespace std::chrono_literals;

constexpr int kNodePort = 30080;
constexpr char kClusterIp[] = "10.96.0.10";
constexpr char kClusterIp6[] = "fd00:96::10";
constexpr char kEmptyClusterIp[] = "10.96.0.11";

// One NodePort service "web" (TCP and UDP, round-robin, dual-stack) over the
// given backends, and an empty service.
std::string Objects(const Topology& t, const std::vector<int>& backends,
                    const std::string& etp = "Cluster", int local_backend = -1) {
  std::string eps4, eps6;
  for (int i : backends) {
    std::string node = i == local_backend ? t.prefix() : "elsewhere";
    eps4 +=
        absl::StrCat("  - {addresses: [\"", t.backend(i).leaf.v4, "\"], nodeName: ", node, "}\n");
    eps6 +=
        absl::StrCat("  - {addresses: [\"", t.backend(i).leaf.v6, "\"], nodeName: ", node, "}\n");
  }
  std::string ports =
      absl::StrCat("ports: [{name: t, port: ", kTestPort,
                   ", protocol: TCP}, {name: u, port: ", kTestPort, ", protocol: UDP}]\n");
  return absl::StrCat(R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: default, annotations: {sluice.dev/lb-algorithm: round-robin}}
spec:
  type: NodePort
  externalTrafficPolicy: )",
                      etp, R"(
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv4, IPv6]
  clusterIP: )",
                      kClusterIp, R"(
  clusterIPs: [)",
                      kClusterIp, ", \"", kClusterIp6, R"("]
  ports:
  - {name: t, port: 80, targetPort: )",
                      kTestPort, ", nodePort: ", kNodePort, R"(, protocol: TCP}
  - {name: u, port: 80, targetPort: )",
                      kTestPort, ", nodePort: ", kNodePort, R"(, protocol: UDP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-4, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
)",
                      eps4.empty() ? "  []\n" : eps4, ports, R"(---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-6, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv6
endpoints:
)",
                      eps6.empty() ? "  []\n" : eps6, ports, R"(---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  clusterIP: )",
                      kEmptyClusterIp, R"(
  ports: [{port: 80, protocol: TCP}]
)");
}

class AgentXdpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root (network namespaces, BPF); CI runs as root";
    auto t = Topology::Create({.backends = 3});
    ASSERT_TRUE(t.ok()) << t.status();
    topo_ = *std::move(t);
    pin_root_ = "/sys/fs/bpf/sluice-test-" + topo_->prefix();
    // The node's cgroup for the socket programs: our own, under cgroup v2.
    cgroup_ = "/sys/fs/cgroup/unified/sluice-test-" + topo_->prefix();
    ASSERT_TRUE(std::filesystem::create_directory(cgroup_)) << cgroup_;
    topo_->AtTeardown([cgroup = cgroup_] {
      // Empty by now (clients exit); rmdir also detaches the programs.
      if (rmdir(cgroup.c_str()) != 0 && errno != ENOENT)
        return absl::ErrnoToStatus(errno, "removing " + cgroup);
      return absl::OkStatus();
    });
    objects_ = ::testing::TempDir() + topo_->prefix() + "-objects.yaml";
    std::string pin_dir = pin_root_ + "/" + topo_->prefix();
    // By value: the topology (and this) may be torn down after the strings.
    topo_->AtTeardown([pin_root = pin_root_, objects = objects_] {
      std::error_code ec;
      std::filesystem::remove_all(pin_root, ec);  // links (programs detach) and maps
      std::filesystem::remove(objects, ec);
      if (std::filesystem::exists(pin_root))
        return absl::InternalError(absl::StrCat("could not remove ", pin_root));
      return absl::OkStatus();
    });
    for (int i = 0; i < topo_->num_backends(); ++i)
      ASSERT_TRUE(StartTestServer(*topo_, topo_->backend_ns(i), absl::StrCat("be", i)).ok());
  }

  void WriteObjects(const std::string& text) {
    std::string tmp = objects_ + ".tmp";
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, objects_);  // the agent never reads half a file
  }

  // Starts the agent in the node namespace; returns once it programmed and attached.
  pid_t StartAgent(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> devices = topo_->backend_ifaces();
    devices.insert(devices.begin(), topo_->external_iface());
    std::vector<std::string> argv = {
        SluiceBinary(),
        "agent",
        "--objects",
        objects_,
        "--node-name",
        topo_->prefix(),
        "--devices",
        absl::StrJoin(devices, ","),
        "--local-devices",
        topo_->pod().node_iface,
        "--node-ip",
        absl::StrCat(topo_->external().node.v4, ",", topo_->external().node.v6),
        "--pin-root",
        pin_root_,
        "--cgroup",
        cgroup_,
        "--poll-interval-ms",
        "100",
        "--ready-fd",
        "3"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto pid =
        topo_->Spawn(topo_->node_ns(), argv, {.wait_ready = true, .ready_timeout = Millis(20000)});
    EXPECT_TRUE(pid.ok()) << pid.status();
    return pid.ok() ? *pid : -1;
  }

  static std::string SluiceBinary() { return SLUICE_PATH; }

  // What the datapath says, for failure messages.
  std::string Dump() {
    std::string out;
    for (const char* what : {"counters", "conntrack"}) {
      auto r = topo_->RunIn(topo_->node_ns(), {SLUICECTL_PATH, "--node-name", topo_->prefix(),
                                               "--pin-root", pin_root_, what});
      out += r.ok() ? r->out + r->err : std::string(r.status().message());
    }
    return out;
  }

  NamesReport Query(const std::string& ns, const std::string& addr, int port, int count,
                    Proto proto = Proto::kTcp, bool peer = false) {
    auto r =
        QueryNames(*topo_, ns, addr, port,
                   {.proto = proto, .count = count, .peer = peer, .timeout_each = Millis(1000)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : NamesReport{};
  }

  // Polls until `ok` holds (the agent follows its file every 100 ms).
  template <typename F>
  bool Eventually(F ok, Millis limit = Millis(5000)) {
    for (auto end = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < end;) {
      if (ok()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return ok();
  }

  std::string PinnedLink(const std::string& name) const {
    return pin_root_ + "/" + topo_->prefix() + "/links/" + name;
  }

  std::unique_ptr<Topology> topo_;
  std::string pin_root_, objects_, cgroup_;
};

TEST_F(AgentXdpTest, NodePortFromOutsideIsRoundRobinedAndMasqueraded) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport tcp = Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 30, Proto::kTcp,
                          /*peer=*/true);
  EXPECT_EQ(tcp.ok, 30) << Dump();
  EXPECT_EQ(tcp.counts, (std::map<std::string, int64_t>{{"be0", 10}, {"be1", 10}, {"be2", 10}}))
      << "round-robin is exact";
  ASSERT_FALSE(tcp.peers.empty());
  EXPECT_EQ(tcp.peers[0].substr(0, tcp.peers[0].rfind(' ')), topo_->external().node.v4)
      << "backends see the node's address (externalTrafficPolicy: Cluster)";
  NamesReport udp = Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 9, Proto::kUdp);
  EXPECT_EQ(udp.ok, 9);
  EXPECT_EQ(udp.counts.size(), 3u);
}

TEST_F(AgentXdpTest, NodePortOverIpv6) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport r = Query(topo_->client_ns(), topo_->external().node.v6, kNodePort, 6);
  EXPECT_EQ(r.ok, 6);
  EXPECT_EQ(r.counts, (std::map<std::string, int64_t>{{"be0", 2}, {"be1", 2}, {"be2", 2}}));
}

TEST_F(AgentXdpTest, ExternalTrafficPolicyLocalKeepsTheClientAddressAndTheLocalEndpoint) {
  WriteObjects(Objects(*topo_, {0, 1, 2}, "Local", /*local_backend=*/1));
  ASSERT_GT(StartAgent(), 0);
  NamesReport r = Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 5, Proto::kTcp,
                        /*peer=*/true);
  EXPECT_EQ(r.counts, (std::map<std::string, int64_t>{{"be1", 5}}));
  ASSERT_FALSE(r.peers.empty());
  EXPECT_EQ(r.peers[0].substr(0, r.peers[0].rfind(' ')), topo_->external().leaf.v4);
}

TEST_F(AgentXdpTest, ClusterIpFromAPodOverBothFamilies) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport v4 = Query(topo_->pod_ns(), kClusterIp, 80, 6, Proto::kTcp, /*peer=*/true);
  EXPECT_EQ(v4.counts, (std::map<std::string, int64_t>{{"be0", 2}, {"be1", 2}, {"be2", 2}}));
  ASSERT_FALSE(v4.peers.empty());
  EXPECT_EQ(v4.peers[0].substr(0, v4.peers[0].rfind(' ')), topo_->pod().leaf.v4)
      << "pod traffic is not masqueraded";
  NamesReport udp = Query(topo_->pod_ns(), kClusterIp, 80, 3, Proto::kUdp);
  EXPECT_EQ(udp.ok, 3);
  NamesReport v6 = Query(topo_->pod_ns(), kClusterIp6, 80, 3);
  EXPECT_EQ(v6.ok, 3);
}

TEST_F(AgentXdpTest, ClusterIpFromTheNodeItselfBySocketLoadBalancing) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesQuery q{.proto = Proto::kTcp, .count = 6, .peer = true, .cgroup = cgroup_};
  auto tcp = QueryNames(*topo_, topo_->node_ns(), kClusterIp, 80, q);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->counts, (std::map<std::string, int64_t>{{"be0", 2}, {"be1", 2}, {"be2", 2}}))
      << Dump();
  q.proto = Proto::kUdp;
  q.count = 3;
  auto udp = QueryNames(*topo_, topo_->node_ns(), kClusterIp, 80, q);
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_EQ(udp->ok, 3) << "UDP replies come back as from the service address";
  q.proto = Proto::kTcp;
  auto v6 = QueryNames(*topo_, topo_->node_ns(), kClusterIp6, 80, q);
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->ok, 3);
  auto empty = QueryNames(*topo_, topo_->node_ns(), kEmptyClusterIp, 80, q);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->errors["refused"], 3) << "connect() to a service without endpoints is refused";
}

// Services beyond "web" for the tests below: a LoadBalancer with an ingress IP
// and an external IP, a sticky one, one with a terminating endpoint.
std::string MoreObjects(const Topology& t, const std::string& sticky_timeout = "2",
                        bool first_ready = true) {
  auto slice = [&](const std::string& svc, const std::string& endpoints) {
    return absl::StrCat(
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ", svc,
        "-1, namespace: default, labels: {kubernetes.io/service-name: ", svc,
        "}}\naddressType: IPv4\nendpoints:\n", endpoints, "ports: [{port: ", kTestPort,
        ", protocol: TCP}]\n");
  };
  auto ep = [&](int i, const std::string& conditions) {
    return absl::StrCat("- {addresses: [\"", t.backend(i).leaf.v4, "\"], conditions: ", conditions,
                        "}\n");
  };
  std::string all = ep(0, "{ready: true}") + ep(1, "{ready: true}") + ep(2, "{ready: true}");
  return absl::StrCat(
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: default}\n"
      "spec:\n  type: LoadBalancer\n  clusterIP: 10.96.0.20\n  externalIPs: [192.0.2.50]\n"
      "  ports: [{port: 80, targetPort: ",
      kTestPort,
      ", nodePort: 30081, protocol: TCP}]\n"
      "status: {loadBalancer: {ingress: [{ip: 198.51.100.20}]}}\n",
      slice("lb", all),
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: sticky, namespace: default, "
      "annotations: {sluice.dev/lb-algorithm: round-robin}}\n"
      "spec:\n  clusterIP: 10.96.0.21\n  sessionAffinity: ClientIP\n"
      "  sessionAffinityConfig: {clientIP: {timeoutSeconds: ",
      sticky_timeout,
      "}}\n"
      "  ports: [{port: 80, targetPort: ",
      kTestPort, ", protocol: TCP}]\n", slice("sticky", all),
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: draining, namespace: default}\n"
      "spec:\n  clusterIP: 10.96.0.22\n  ports: [{port: 80, targetPort: ",
      kTestPort, ", protocol: TCP}]\n",
      slice("draining", ep(0, first_ready ? "{ready: true}" : "{ready: false, serving: false}") +
                            ep(1, "{ready: false, serving: true, terminating: true}")),
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: self, namespace: default}\n"
      "spec:\n  clusterIP: 10.96.0.23\n  ports: [{port: 80, targetPort: ",
      kTestPort, ", protocol: TCP}]\n", slice("self", ep(0, "{ready: true}")));
}

TEST_F(AgentXdpTest, LoadBalancerIpAndExternalIpFromOutside) {
  WriteObjects(Objects(*topo_, {0, 1, 2}) + MoreObjects(*topo_));
  ASSERT_GT(StartAgent(), 0);
  NamesReport lb = Query(topo_->client_ns(), "198.51.100.20", 80, 6);
  EXPECT_EQ(lb.ok, 6) << Dump();
  NamesReport ext = Query(topo_->client_ns(), "192.0.2.50", 80, 6);
  EXPECT_EQ(ext.ok, 6);
  NamesReport np = Query(topo_->client_ns(), topo_->external().node.v4, 30081, 3);
  EXPECT_EQ(np.ok, 3);
}

TEST_F(AgentXdpTest, ClientIpAffinitySticksUntilItsTimeout) {
  WriteObjects(Objects(*topo_, {0, 1, 2}) + MoreObjects(*topo_, "2"));
  ASSERT_GT(StartAgent(), 0);
  NamesReport first = Query(topo_->pod_ns(), "10.96.0.21", 80, 6);
  ASSERT_EQ(first.ok, 6);
  EXPECT_EQ(first.counts.size(), 1u) << "every connection of the client goes to one backend";
  std::this_thread::sleep_for(2500ms);
  NamesReport later = Query(topo_->pod_ns(), "10.96.0.21", 80, 3);
  ASSERT_EQ(later.ok, 3);
  EXPECT_EQ(later.counts.size(), 1u);
  EXPECT_NE(later.counts.begin()->first, first.counts.begin()->first)
      << "after the timeout the client is balanced anew (round-robin moves on)";
}

TEST_F(AgentXdpTest, TerminatingEndpointsServeOnlyWhenNoReadyOneRemains) {
  WriteObjects(Objects(*topo_, {0, 1, 2}) + MoreObjects(*topo_, "2", /*first_ready=*/true));
  ASSERT_GT(StartAgent(), 0);
  EXPECT_EQ(Query(topo_->pod_ns(), "10.96.0.22", 80, 4).counts,
            (std::map<std::string, int64_t>{{"be0", 4}}));
  WriteObjects(Objects(*topo_, {0, 1, 2}) + MoreObjects(*topo_, "2", /*first_ready=*/false));
  EXPECT_TRUE(Eventually([&] {
    return Query(topo_->pod_ns(), "10.96.0.22", 80, 4).counts ==
           std::map<std::string, int64_t>{{"be1", 4}};
  })) << "with no ready endpoint, the serving terminating one takes new connections";
}

TEST_F(AgentXdpTest, APodReachesItselfThroughItsService) {
  WriteObjects(Objects(*topo_, {0, 1, 2}) + MoreObjects(*topo_));
  ASSERT_GT(StartAgent(), 0);
  // be0 is the only endpoint of "self"; its packets come back to it from the
  // node's address (hairpin masquerade), so its replies return through the node.
  NamesReport r = Query(topo_->backend_ns(0), "10.96.0.23", 80, 3, Proto::kTcp, /*peer=*/true);
  EXPECT_EQ(r.counts, (std::map<std::string, int64_t>{{"be0", 3}})) << Dump();
  ASSERT_FALSE(r.peers.empty());
  EXPECT_EQ(r.peers[0].substr(0, r.peers[0].rfind(' ')), topo_->external().node.v4);
}

TEST_F(AgentXdpTest, AServiceWithoutEndpointsRefusesAtOnce) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  auto start = std::chrono::steady_clock::now();
  NamesReport r = Query(topo_->pod_ns(), kEmptyClusterIp, 80, 3);
  EXPECT_EQ(r.errors["refused"], 3) << "connection refused, not a timeout" << Dump();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(AgentXdpTest, ARemovedBackendGetsNoNewConnections) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  ASSERT_EQ(Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 3).counts.size(), 3u);
  WriteObjects(Objects(*topo_, {0, 1}));
  EXPECT_TRUE(Eventually([&] {
    NamesReport r = Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 6);
    return r.ok == 6 && !r.counts.contains("be2");
  })) << "after the file changed, new connections avoid be2";
  NamesReport r = Query(topo_->client_ns(), topo_->external().node.v4, kNodePort, 20);
  EXPECT_EQ(r.ok, 20);
  EXPECT_FALSE(r.counts.contains("be2"));
}

TEST_F(AgentXdpTest, KillingTheAgentDuringStreamsLosesNothing) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  pid_t agent = StartAgent();
  ASSERT_GT(agent, 0);
  auto tcp = std::async(std::launch::async, [&] {
    return RunTcpStream(*topo_, topo_->client_ns(), topo_->external().node.v4, kNodePort,
                        Millis(3000), 200000);
  });
  auto udp = std::async(std::launch::async, [&] {
    return RunUdpStream(*topo_, topo_->client_ns(), topo_->external().node.v4, kNodePort,
                        Millis(3000), 500);
  });
  std::this_thread::sleep_for(800ms);
  ASSERT_TRUE(topo_->Signal(agent, SIGKILL).ok());
  ASSERT_TRUE(topo_->Wait(agent, Millis(2000)).ok());
  std::this_thread::sleep_for(300ms);
  ASSERT_GT(StartAgent(), 0) << "a restarted agent adopts the pinned datapath";
  auto t = tcp.get();
  auto u = udp.get();
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(t->error.empty()) << t->error;
  EXPECT_GT(t->sent, 0);
  EXPECT_EQ(t->received, t->sent);
  EXPECT_EQ(t->mismatched, 0);
  EXPECT_GT(u->sent, 1000);
  EXPECT_EQ(u->lost, 0);
  EXPECT_EQ(u->switches, 0) << "the UDP flow stayed on its backend";
}

TEST_F(AgentXdpTest, TeardownRemovesEverythingTheAgentPinned) {
  WriteObjects(Objects(*topo_, {0}));
  ASSERT_GT(StartAgent(), 0);
  ASSERT_TRUE(std::filesystem::exists(pin_root_ + "/" + topo_->prefix() + "/links"));
  ASSERT_TRUE(topo_->Teardown().ok());
  EXPECT_FALSE(std::filesystem::exists(pin_root_));
}

TEST_F(AgentXdpTest, TrafficThatIsNotForAServicePassesUntouched) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport r = Query(topo_->client_ns(), topo_->backend(2).leaf.v4, kTestPort, 2, Proto::kTcp,
                        /*peer=*/true);
  EXPECT_EQ(r.counts, (std::map<std::string, int64_t>{{"be2", 2}}));
  ASSERT_FALSE(r.peers.empty());
  EXPECT_EQ(r.peers[0].substr(0, r.peers[0].rfind(' ')), topo_->external().leaf.v4);
  // With the client's neighbour table emptied, the ping needs ARP through
  // the node's XDP program first.
  ASSERT_TRUE(topo_->RunInOk(topo_->client_ns(), {"ip", "neigh", "flush", "all"}).ok());
  auto ping = topo_->RunIn(topo_->client_ns(), {"ping", "-c1", "-W1", topo_->backend(0).leaf.v4});
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->exit_code, 0) << "ARP and ICMP pass";
  auto neigh =
      topo_->RunInOk(topo_->client_ns(), {"ip", "neigh", "show", topo_->external().node.v4});
  ASSERT_TRUE(neigh.ok());
  EXPECT_NE(neigh->find("lladdr"), std::string::npos) << "the node answered ARP: " << *neigh;
}

// A ClusterIP service `name` over backends `backends` with extra annotations.
std::string ClusterService(const Topology& t, const std::string& name, const std::string& ip,
                           const std::string& annotations, const std::vector<int>& backends) {
  std::string eps;
  for (int i : backends) eps += absl::StrCat("- {addresses: [\"", t.backend(i).leaf.v4, "\"]}\n");
  return absl::StrCat(
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: ", name,
      ", namespace: default, annotations: {", annotations, "}}\nspec:\n  clusterIP: ", ip,
      "\n  ports: [{name: t, port: 80, targetPort: ", kTestPort,
      ", protocol: TCP}, {name: u, port: 80, targetPort: ", kTestPort,
      ", protocol: UDP}]\n---\napiVersion: discovery.k8s.io/v1\nkind: "
      "EndpointSlice\nmetadata: {name: ",
      name, "-1, namespace: default, labels: {kubernetes.io/service-name: ", name,
      "}}\naddressType: IPv4\nendpoints:\n", eps, "ports: [{name: t, port: ", kTestPort,
      ", protocol: TCP}, {name: u, port: ", kTestPort, ", protocol: UDP}]\n");
}

TEST_F(AgentXdpTest, WeightsGiveBackendsTheirShareOfConnections) {
  std::string weights = absl::StrCat("sluice.dev/lb-algorithm: round-robin, sluice.dev/weights: \"",
                                     topo_->backend(0).leaf.v4, "=3,", topo_->backend(1).leaf.v4,
                                     "=1,", topo_->backend(2).leaf.v4, "=2\"");
  WriteObjects(Objects(*topo_, {0, 1, 2}) +
               ClusterService(*topo_, "weighted", "10.96.0.30", weights, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport r = Query(topo_->pod_ns(), "10.96.0.30", 80, 60);
  EXPECT_EQ(r.counts, (std::map<std::string, int64_t>{{"be0", 30}, {"be1", 10}, {"be2", 20}}))
      << "weighted round-robin is exact over whole rounds" << Dump();
}

TEST_F(AgentXdpTest, MaglevSpreadsFlowsAndKeepsEachFlowOnItsBackend) {
  WriteObjects(Objects(*topo_, {0, 1, 2}) + ClusterService(*topo_, "hashed", "10.96.0.31",
                                                           "sluice.dev/lb-algorithm: maglev",
                                                           {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  NamesReport r = Query(topo_->pod_ns(), "10.96.0.31", 80, 60);
  EXPECT_EQ(r.ok, 60) << Dump();
  ASSERT_EQ(r.counts.size(), 3u) << "flows from distinct ports hash to every backend";
  for (const auto& [name, n] : r.counts) EXPECT_GE(n, 5) << name;
  auto u = RunUdpStream(*topo_, topo_->pod_ns(), "10.96.0.31", 80, Millis(1500), 200);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_GT(u->received, 200);
  EXPECT_EQ(u->switches, 0) << "one flow, one backend";
  EXPECT_EQ(u->names.size(), 1u);
}

TEST_F(AgentXdpTest, UdpToARemovedBackendMovesToALiveOne) {
  WriteObjects(Objects(*topo_, {1}));
  ASSERT_GT(StartAgent(), 0);
  auto udp = std::async(std::launch::async, [&] {
    return RunUdpStream(*topo_, topo_->client_ns(), topo_->external().node.v4, kNodePort,
                        Millis(2500), 300);
  });
  std::this_thread::sleep_for(700ms);
  WriteObjects(Objects(*topo_, {0, 1, 2}));  // the flow stays on be1
  std::this_thread::sleep_for(700ms);
  WriteObjects(Objects(*topo_, {0, 2}));  // be1 goes
  auto u = udp.get();
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->first, "be1");
  EXPECT_TRUE(u->last == "be0" || u->last == "be2") << u->last << Dump();
  EXPECT_EQ(u->switches, 1) << "one move, to one live backend";
  EXPECT_LT(u->lost, u->sent / 10) << "only datagrams in flight at the change are lost";
}

TEST_F(AgentXdpTest, EstablishedTcpToOtherBackendsContinuesWhenOneIsRemoved) {
  WriteObjects(Objects(*topo_, {1}));
  ASSERT_GT(StartAgent(), 0);
  auto tcp = std::async(std::launch::async, [&] {
    return RunTcpStream(*topo_, topo_->client_ns(), topo_->external().node.v4, kNodePort,
                        Millis(2500), 200000);
  });
  std::this_thread::sleep_for(600ms);
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  std::this_thread::sleep_for(600ms);
  WriteObjects(Objects(*topo_, {0, 1}));  // be2 goes; the stream is on be1
  auto t = tcp.get();
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->error.empty()) << t->error;
  EXPECT_EQ(t->name, "be1");
  EXPECT_GT(t->sent, 0);
  EXPECT_EQ(t->received, t->sent);
  EXPECT_EQ(t->mismatched, 0);
}

TEST_F(AgentXdpTest, PodTrafficWithChecksumOffloadAndSegmentationThroughTc) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  EXPECT_TRUE(std::filesystem::exists(PinnedLink("tcx_ingress_" + topo_->pod().node_iface)));
  EXPECT_FALSE(std::filesystem::exists(PinnedLink("xdp_" + topo_->pod().node_iface)));
  // The pod's stack now leaves checksums to offload and sends segments of
  // up to 64 KiB: tc sees CHECKSUM_PARTIAL socket buffers, which XDP never does.
  auto k = topo_->RunInOk(topo_->pod_ns(), {"ethtool", "-K", topo_->pod().leaf_iface, "tx", "on",
                                            "sg", "on", "tso", "on", "gso", "on"});
  ASSERT_TRUE(k.ok()) << k.status();
  auto t = RunTcpStream(*topo_, topo_->pod_ns(), kClusterIp, 80, Millis(1500), 20000000);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->error.empty()) << t->error << Dump();
  EXPECT_GT(t->sent, 1000000);
  EXPECT_EQ(t->received, t->sent);
  EXPECT_EQ(t->mismatched, 0);
  NamesReport udp = Query(topo_->pod_ns(), kClusterIp, 80, 3, Proto::kUdp);
  EXPECT_EQ(udp.ok, 3) << "UDP with an offloaded checksum";
  NamesReport v6 = Query(topo_->pod_ns(), kClusterIp6, 80, 3);
  EXPECT_EQ(v6.ok, 3);
}

TEST_F(AgentXdpTest, ClusterIpFromAPodThroughXdpOnItsVeth) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent({"--local-hook", "xdp"}), 0);
  EXPECT_TRUE(std::filesystem::exists(PinnedLink("xdp_" + topo_->pod().node_iface)));
  EXPECT_FALSE(std::filesystem::exists(PinnedLink("tcx_ingress_" + topo_->pod().node_iface)));
  NamesReport v4 = Query(topo_->pod_ns(), kClusterIp, 80, 6);
  EXPECT_EQ(v4.counts, (std::map<std::string, int64_t>{{"be0", 2}, {"be1", 2}, {"be2", 2}}));
  EXPECT_EQ(Query(topo_->pod_ns(), kEmptyClusterIp, 80, 2).errors["refused"], 2);
}

TEST_F(AgentXdpTest, TheNodesOwnTrafficOutsideTheSocketHooksIsTranslatedAtEgress) {
  WriteObjects(Objects(*topo_, {0, 1, 2}));
  ASSERT_GT(StartAgent(), 0);
  // Without socket load balancing, the node's packets to a ClusterIP follow
  // its routes: send the service range out of the external interface, where
  // tc egress translates them and hands them to the backend's interface.
  auto r = topo_->RunInOk(topo_->node_ns(),
                          {"ip", "route", "add", "10.96.0.0/16", "via", topo_->external().leaf.v4});
  ASSERT_TRUE(r.ok()) << r.status();
  r = topo_->RunInOk(topo_->node_ns(), {"ip", "-6", "route", "add", "fd00:96::/64", "via",
                                        topo_->external().leaf.v6});
  ASSERT_TRUE(r.ok()) << r.status();
  NamesReport v4 = Query(topo_->node_ns(), kClusterIp, 80, 6, Proto::kTcp, /*peer=*/true);
  EXPECT_EQ(v4.counts, (std::map<std::string, int64_t>{{"be0", 2}, {"be1", 2}, {"be2", 2}}))
      << Dump();
  ASSERT_FALSE(v4.peers.empty());
  EXPECT_EQ(v4.peers[0].substr(0, v4.peers[0].rfind(' ')), topo_->external().node.v4);
  EXPECT_EQ(Query(topo_->node_ns(), kClusterIp, 80, 3, Proto::kUdp).ok, 3);
  EXPECT_EQ(Query(topo_->node_ns(), kClusterIp6, 80, 3).ok, 3);
  EXPECT_EQ(Query(topo_->node_ns(), kEmptyClusterIp, 80, 2).errors["refused"], 2)
      << "the reset comes back up the node's own stack";
}

}  // namespace
}  // namespace sluice::netns
