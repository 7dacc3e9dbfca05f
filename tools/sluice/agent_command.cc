#include "tools/sluice/agent_command.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/agent/agent.h"
#include "control/agent/api_object_source.h"
#include "dataplane/bpf/attach.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/conntrack_gc.h"
#include "tools/sluice/flags.h"
#include "tools/sluice/neighbors.h"

namespace sluice {

const char kAgentUsage[] =
    "usage: sluice agent (--objects FILE | --kubeconfig FILE) [--node-name NAME]\n"
    "                    [--devices IF[,IF]] [--local-devices IF[,IF]] [--node-ip IP[,IP]]\n"
    "                    [--pin-root DIR] [--poll-interval-ms MS] [--netns NAME]\n"
    "                    [--cgroup DIR] [--ready-fd FD] [--external-hook xdp|tc]\n"
    "                    [--local-hook tc|xdp] [--egress on|off]\n"
    "  Programs the BPF datapath of this network namespace from the Services and\n"
    "  EndpointSlices of a file (--objects) or of the API server a kubeconfig\n"
    "  names (--kubeconfig: https, its CA and a token, as `sluice server\n"
    "  --node-kubeconfig-out` writes it; the agent waits for the server, lists\n"
    "  and watches, and keeps its last good state while the server is away),\n"
    "  and follows their changes. XDP (or tc ingress with --external-hook tc)\n"
    "  goes on --devices (default: every interface with an address but lo) for\n"
    "  traffic from outside the node, with tc egress\n"
    "  there for the node's own traffic (--egress off leaves it out); tc ingress\n"
    "  (or XDP with --local-hook xdp) goes on --local-devices (pods' veths) for\n"
    "  traffic from pods. --cgroup (a cgroup v2 directory) gets the socket programs:\n"
    "  its processes reach services by socket load balancing (ClusterIP from\n"
    "  the node itself). Maps and links are pinned under --pin-root/NODE (default\n"
    "  /sys/fs/bpf/sluice): SIGTERM and kill -9 leave the datapath working and a\n"
    "  restarted agent adopts it. `sluice cleanup` removes it. --netns runs the\n"
    "  agent in a named network namespace (a node of `sluice up` or of a test)\n"
    "  while keeping this mount namespace's bpffs (`ip netns exec` would hide it).";

const char kCleanupUsage[] =
    "usage: sluice cleanup [--node-name NAME] [--pin-root DIR]\n"
    "  Detaches the programs and removes the maps `sluice agent` pinned for the\n"
    "  node, and nothing else.";

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  g_stop = true;
}

std::string DefaultNodeName() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

// Joins /run/netns/NAME (as `ip netns` names them) for networking only.
absl::Status EnterNetns(const std::string& name) {
  std::string path = "/run/netns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("--netns: ", path));
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("--netns: entering ", name));
  return absl::OkStatus();
}

// The addresses of every programmed backend.
std::vector<IpAddress> BackendAddresses(const Engine& engine) {
  std::vector<IpAddress> out;
  auto state = engine.ReadState();
  if (!state.ok()) return out;
  for (const auto& [id, b] : state->backends) out.push_back(IpAddress::FromAbi(b.addr, b.family));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

absl::Status RunAgentCommand(const std::vector<std::string>& args) {
  auto flags =
      ParseFlags(args, {"--objects", "--kubeconfig", "--node-name", "--devices", "--local-devices",
                        "--node-ip", "--pin-root", "--poll-interval-ms", "--netns", "--ready-fd",
                        "--cgroup", "--external-hook", "--local-hook", "--egress"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kAgentUsage));
  if (flags->Has("--objects") == flags->Has("--kubeconfig"))
    return absl::InvalidArgumentError(
        absl::StrCat("exactly one of --objects and --kubeconfig is required\n", kAgentUsage));
  if (flags->Has("--netns"))
    if (auto s = EnterNetns(flags->Get("--netns")); !s.ok()) return s;
  std::string node_name = flags->Get("--node-name", DefaultNodeName());
  std::string pin_dir = flags->Get("--pin-root", "/sys/fs/bpf/sluice") + "/" + node_name;
  int poll_ms = std::atoi(flags->Get("--poll-interval-ms", "1000").c_str());
  if (poll_ms <= 0)
    return absl::InvalidArgumentError("--poll-interval-ms: must be a positive number");

  std::vector<std::string> devices = flags->List("--devices");
  if (devices.empty()) {
    auto all = InterfacesWithAddresses();
    if (!all.ok()) return all.status();
    devices = *all;
  }
  std::vector<std::string> local_devices = flags->List("--local-devices");
  NodeAttachment plan{.devices = devices, .local_devices = local_devices};
  for (auto [flag, tc, fallback] : {std::tuple{"--external-hook", &plan.external_tc, "xdp"},
                                    std::tuple{"--local-hook", &plan.local_tc, "tc"}}) {
    std::string v = flags->Get(flag, fallback);
    if (v != "xdp" && v != "tc")
      return absl::InvalidArgumentError(absl::StrCat(flag, ": xdp or tc, not ", v));
    *tc = v == "tc";
  }
  std::string egress = flags->Get("--egress", "on");
  if (egress != "on" && egress != "off")
    return absl::InvalidArgumentError(absl::StrCat("--egress: on or off, not ", egress));
  plan.egress = egress == "on";
  NodeConfig node;
  for (const std::string& ip : flags->List("--node-ip")) {
    auto a = IpAddress::Parse(ip);
    if (!a.ok())
      return absl::InvalidArgumentError(absl::StrCat("--node-ip: ", a.status().message()));
    node.node_addresses.push_back(*a);
  }
  if (node.node_addresses.empty()) {
    auto addrs = AddressesOf(devices);
    if (!addrs.ok()) return addrs.status();
    node.node_addresses = *addrs;
  }

  // Read before anything is programmed: a kubeconfig the agent cannot use is
  // an error at once, not a retry loop.
  std::unique_ptr<agent::ObjectSource> source;
  if (flags->Has("--kubeconfig")) {
    auto api = agent::ApiObjectSourceFromKubeconfig(flags->Get("--kubeconfig"));
    if (!api.ok()) return api.status();
    source = *std::move(api);
  } else {
    source = std::make_unique<agent::FileObjectSource>(flags->Get("--objects"));
  }

  BpfEngineOptions opts;
  opts.pin_dir = pin_dir;
  auto engine = BpfEngine::Create(opts);
  if (!engine.ok()) return engine.status();
  agent::Agent agent(engine->get(), std::move(source), agent::NodeInfo{node_name, ""}, node);
  if (auto s = agent.Start(); !s.ok()) return s;
  (*engine)->EnableRedirect(true);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  // Program before attaching, so that a new attachment never sees empty maps.
  // The API source is Unavailable until its first lists: wait for the server
  // (what an earlier run programmed stays in place meanwhile).
  auto first = agent.SyncOnce();
  for (int waited = 0; !first.ok() && absl::IsUnavailable(first.status()) && !g_stop;
       waited += 100) {
    if (waited % 5000 == 0) std::cerr << "sluice agent: " << first.status().message() << std::endl;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first = agent.SyncOnce();
  }
  if (g_stop) return absl::OkStatus();
  if (!first.ok()) return first.status();
  TouchNeighbors(BackendAddresses(**engine));
  if (auto s = AttachNode(**engine, plan, pin_dir); !s.ok()) return s;
  if (flags->Has("--cgroup"))
    if (auto s = AttachCgroup(**engine, flags->Get("--cgroup"), pin_dir); !s.ok()) return s;
  std::cerr << "sluice agent: node " << node_name << ", " << (plan.external_tc ? "tc" : "XDP")
            << " on " << absl::StrJoin(devices, ",") << (plan.egress ? " (+tc egress)" : "")
            << (local_devices.empty()
                    ? ""
                    : absl::StrCat(", ", plan.local_tc ? "tc" : "XDP", " on pods' ",
                                   absl::StrJoin(local_devices, ",")))
            << "; " << agent.stats().services << " service ports, " << agent.stats().frontends
            << " frontends, " << agent.stats().backends << " backends" << std::endl;

  if (flags->Has("--ready-fd")) {
    // Tests wait on this: programmed and attached.
    int fd = std::atoi(flags->Get("--ready-fd").c_str());
    char one = 1;
    if (write(fd, &one, 1) != 1) std::cerr << "sluice agent: --ready-fd: write failed" << std::endl;
    close(fd);
  }
  auto last_touch = std::chrono::steady_clock::now();
  auto last_gc = last_touch;
  while (!g_stop) {
    for (int waited = 0; waited < poll_ms && !g_stop; waited += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_stop) break;
    auto changed = agent.SyncOnce();
    if (!changed.ok()) {
      std::cerr << "sluice agent: keeping the last good state: " << changed.status().message()
                << std::endl;
    } else if (*changed) {
      std::cerr << "sluice agent: reprogrammed: " << agent.stats().services << " service ports, "
                << agent.stats().backends << " backends" << std::endl;
    }
    // New backends at once, all of them before their entries go stale.
    auto now = std::chrono::steady_clock::now();
    if ((changed.ok() && *changed) || now - last_touch > std::chrono::seconds(20)) {
      TouchNeighbors(BackendAddresses(**engine));
      last_touch = now;
    }
    if (now - last_gc > std::chrono::seconds(10)) {
      if (auto gone = ExpireConntrack(**engine, BpfEngine::ClockNs()); !gone.ok())
        std::cerr << "sluice agent: conntrack sweep: " << gone.status().message() << std::endl;
      last_gc = now;
    }
  }
  std::cerr << "sluice agent: stopping; the datapath stays in place" << std::endl;
  return absl::OkStatus();
}

absl::Status RunCleanupCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"--node-name", "--pin-root"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kCleanupUsage));
  std::string dir = flags->Get("--pin-root", "/sys/fs/bpf/sluice") + "/" +
                    flags->Get("--node-name", DefaultNodeName());
  return RemovePinned(dir);
}

}  // namespace sluice
