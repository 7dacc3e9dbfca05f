#include "tools/sluice/up_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"
#include "control/controllers/controller_manager.h"
#include "control/status_macros.h"
#include "tools/sluice/flags.h"
#include "tools/sluice/node_network.h"
#include "tools/sluice/node_registration.h"

namespace sluice {

const char kUpUsage[] =
    "usage: sluice up [--name NAME] [--nodes N] [--data-dir DIR]\n"
    "         [--node-network CIDR] [--pod-network CIDR] [--api-port PORT]\n"
    "         [--service-cidr CIDR[,CIDR]] [--lb-pools FILE] [--pin-root DIR]\n"
    "  Runs a cluster on this machine until SIGINT or SIGTERM: the API server\n"
    "  and controllers (as `sluice server`), and N nodes (default 1), each a\n"
    "  network namespace sluice-NAME-node<i> joined to the host by a veth pair\n"
    "  (host end sl-NAME-<i>, the i-th /30 of --node-network, default\n"
    "  198.18.0.0/24: .1 the host, .2 the node), with a bridge cbr0 for its\n"
    "  pods (the i-th /24 of --pod-network, default 10.244.0.0/16), a cgroup\n"
    "  sluice-NAME-node<i> under the cgroup v2 mount, and its `sluice agent`:\n"
    "  tc on the node's eth0 and on cbr0 (XDP cannot redirect into a bridge),\n"
    "  the socket programs on the node's cgroup, maps pinned under\n"
    "  --pin-root/NAME-node<i> (default /sys/fs/bpf/sluice). The API server\n"
    "  listens on the host's end of node 0's veth (port 6443), which the host\n"
    "  and every node reach. The admin kubeconfig is written to DIR/kubeconfig\n"
    "  once the nodes are Ready (DIR: /var/lib/sluice-up/NAME, which keeps the\n"
    "  objects, certificates and tokens for the next run).\n"
    "  Stopping removes the namespaces, veths, cgroups and pinned BPF state of\n"
    "  the cluster, and nothing else; a start first removes what a crashed run\n"
    "  of the same NAME left. NAME: default `local`, at most 9 characters.\n"
    "  --service-cidr: as `sluice server --service-cluster-ip-range`.";

const char kDownUsage[] =
    "usage: sluice down [--name NAME] [--pin-root DIR]\n"
    "  Removes what `sluice up --name NAME` left after a crash (its nodes'\n"
    "  namespaces and the processes in them, veths, cgroups and pinned BPF\n"
    "  state), and nothing else. The data directory stays.";

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kDefaultName[] = "local";

// The flags `up` and `down` share.
ClusterLayout LayoutFrom(const ParsedFlags& flags) {
  ClusterLayout layout;
  layout.name = flags.Get("--name", kDefaultName);
  layout.pin_root = flags.Get("--pin-root", layout.pin_root);
  layout.node_network = flags.Get("--node-network", layout.node_network);
  layout.pod_network = flags.Get("--pod-network", layout.pod_network);
  return layout;
}

// One node's `sluice agent`, started from this binary in the node's namespace.
struct AgentProcess {
  const NodeLayout* node = nullptr;
  pid_t pid = -1;  // -1 once it exited
};

// Starts the agent and returns once it programmed and attached (its
// --ready-fd). It gets SIGTERM when this process dies, even by kill -9, so
// that a crashed `up` leaves no agent behind (the next `up` removes the rest).
absl::StatusOr<pid_t> StartAgent(const NodeLayout& node, const std::string& kubeconfig,
                                 const std::string& pin_root) {
  std::vector<std::string> argv = {"sluice",          "agent",
                                   "--kubeconfig",    kubeconfig,
                                   "--netns",         node.netns,
                                   "--node-name",     node.node_name,
                                   "--devices",       kNodeIface,
                                   "--local-devices", kPodBridge,
                                   "--node-ip",       node.node_address,
                                   "--cgroup",        node.cgroup,
                                   "--pin-root",      pin_root,
                                   "--external-hook", "tc",
                                   "--ready-fd",      "3"};
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    // Only async-signal-safe calls: the API server's threads run.
    // Its own process group: a terminal's Ctrl-C reaches `up`, which stops it.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (ready[1] == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(ready[1], 3) < 0) _exit(127);
    // Not the API server's sockets: an agent outliving us must not hold its port.
    close_range(4, ~0U, 0);
    execv("/proc/self/exe", cargv.data());
    _exit(127);
  }
  close(ready[1]);
  pollfd pfd{ready[0], POLLIN, 0};
  int r;
  do {
    r = poll(&pfd, 1, 60000);
  } while (r < 0 && errno == EINTR);
  char byte = 0;
  bool ok = r > 0 && read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  if (ok) return pid;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return absl::UnavailableError(absl::StrCat("the agent of ", node.node_name, " ",
                                             r == 0 ? "was not ready after 60 s" : "exited"));
}

// SIGTERM, then SIGKILL after `grace`.
void StopAgent(AgentProcess& agent, std::chrono::milliseconds grace) {
  if (agent.pid < 0) return;
  kill(agent.pid, SIGTERM);
  for (auto end = Clock::now() + grace; Clock::now() < end;) {
    if (waitpid(agent.pid, nullptr, WNOHANG) == agent.pid) {
      agent.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(agent.pid, SIGKILL);
  waitpid(agent.pid, nullptr, 0);
  agent.pid = -1;
}

void PrintUsage(const ClusterLayout& layout, const std::vector<NodeLayout>& nodes,
                const std::string& url, const std::string& kubeconfig) {
  std::cout << "sluice up: cluster \"" << layout.name << "\" is up: API server at " << url << "\n";
  for (const NodeLayout& n : nodes)
    std::cout << "  node " << n.node_name << ": " << n.node_address << " (network namespace "
              << n.netns << ", pods " << n.pod_cidr << " on " << kPodBridge << ")\n";
  std::cout << "\n  export KUBECONFIG=" << kubeconfig << "\n"
            << "  kubectl get nodes -o wide\n"
            << "  kubectl get services,endpointslices -A\n"
            << "  (README.md, \"Run a cluster\": a NodePort Service to a pod, from the host)\n"
            << "\nCtrl-C stops the cluster and removes its namespaces, veths, cgroups and "
               "BPF state.\n"
            << std::flush;
}

struct UpOptions {
  ClusterLayout layout;
  std::vector<NodeLayout> nodes;
  std::string data_dir;
  apiserver::ApiServerOptions server;
  std::string lb_pools;
};

absl::StatusOr<UpOptions> ParseUpOptions(const std::vector<std::string>& args) {
  auto flags =
      ParseFlags(args, {"--name", "--nodes", "--data-dir", "--node-network", "--pod-network",
                        "--api-port", "--service-cidr", "--lb-pools", "--pin-root"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kUpUsage));
  UpOptions up{.layout = LayoutFrom(*flags), .lb_pools = flags->Get("--lb-pools")};
  if (!absl::SimpleAtoi(flags->Get("--nodes", "1"), &up.layout.nodes))
    return absl::InvalidArgumentError("--nodes: expected a number");
  SLUICE_ASSIGN_OR_RETURN(up.nodes, PlanNodes(up.layout));
  uint32_t port = 0;
  if (!absl::SimpleAtoi(flags->Get("--api-port", "6443"), &port) || port == 0 || port > 65535)
    return absl::InvalidArgumentError("--api-port: 1-65535");
  up.data_dir = flags->Get("--data-dir", "/var/lib/sluice-up/" + up.layout.name);
  // On node 0's veth: the host reaches it, and so does every node, through
  // its default route to the host.
  up.server = {.data_dir = up.data_dir,
               .listen_address = up.nodes[0].host_address,
               .port = static_cast<uint16_t>(port)};
  for (const NodeLayout& n : up.nodes) up.server.extra_sans.push_back(n.host_address);
  if (flags->Has("--service-cidr"))
    up.server.service_network.cluster_ip_ranges = flags->List("--service-cidr");
  return up;
}

// Waits for SIGINT or SIGTERM; meanwhile an agent that exits makes its Node
// NotReady.
void WaitForStop(const sigset_t& signals, std::vector<AgentProcess>& agents,
                 NodeRegistration& registration) {
  for (;;) {
    int signal = sigwaitinfo(&signals, nullptr);
    if (signal == SIGTERM || signal == SIGINT) return;
    if (signal != SIGCHLD) continue;
    for (AgentProcess& a : agents) {
      int status = 0;
      if (a.pid < 0 || waitpid(a.pid, &status, WNOHANG) != a.pid) continue;
      a.pid = -1;
      std::string why = WIFSIGNALED(status) ? absl::StrCat("killed by signal ", WTERMSIG(status))
                                            : absl::StrCat("exited ", WEXITSTATUS(status));
      std::cerr << "sluice up: the agent of " << a.node->node_name << " " << why
                << "; the node is NotReady" << std::endl;
      if (auto s = registration.Register(*a.node, "False", "AgentExited", "sluice agent " + why);
          !s.ok())
        std::cerr << "sluice up: " << s << std::endl;
    }
  }
}

}  // namespace

absl::Status RunUpCommand(const std::vector<std::string>& args) {
  SLUICE_ASSIGN_OR_RETURN(UpOptions up, ParseUpOptions(args));
  if (geteuid() != 0)
    return absl::PermissionDeniedError("needs root (network namespaces, BPF, cgroups)");
  const ClusterLayout& layout = up.layout;
  std::string kubeconfig = up.data_dir + "/kubeconfig";
  std::string node_kubeconfig = up.data_dir + "/node-kubeconfig";

  // Blocked before any thread starts, so that only sigwaitinfo sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (std::vector<std::string> left = ClusterLeftovers(layout); !left.empty()) {
    std::cout << "sluice up: removing what an earlier run of \"" << layout.name << "\" left ("
              << left.size() << " items)" << std::endl;
    SLUICE_RETURN_IF_ERROR(RemoveCluster(layout));
  }
  for (const NodeLayout& n : up.nodes) SLUICE_RETURN_IF_ERROR(CheckNodeNetworkFree(n));
  std::error_code ec;
  std::filesystem::create_directories(up.data_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("--data-dir: ", up.data_dir, ": ", ec.message()));
  std::filesystem::remove(kubeconfig, ec);  // it appears again once the cluster is ready

  std::vector<AgentProcess> agents;
  absl::Cleanup teardown = [&] {
    for (AgentProcess& a : agents) StopAgent(a, std::chrono::seconds(5));
    if (auto s = RemoveCluster(layout); !s.ok())
      std::cerr << "sluice up: removing the cluster: " << s << std::endl;
  };
  for (const NodeLayout& n : up.nodes) SLUICE_RETURN_IF_ERROR(CreateNode(n));

  SLUICE_ASSIGN_OR_RETURN(auto server, apiserver::ApiServer::Start(up.server));
  absl::Cleanup stop_server = [&server] { server->Stop(); };
  SLUICE_ASSIGN_OR_RETURN(auto controllers, controllers::ControllerManager::Start(
                                                server->store(), {.lb_pools_file = up.lb_pools}));
  absl::Cleanup stop_controllers = [&controllers] { controllers->Stop(); };
  SLUICE_RETURN_IF_ERROR(
      apiserver::WriteKubeconfig(node_kubeconfig, server->url(), server->ca_pem(),
                                 {"sluice-node", server->tokens().node_token()}));

  NodeRegistration registration(server->store());
  for (const NodeLayout& n : up.nodes) {
    SLUICE_ASSIGN_OR_RETURN(pid_t pid, StartAgent(n, node_kubeconfig, layout.pin_root));
    agents.push_back({&n, pid});
    SLUICE_RETURN_IF_ERROR(
        registration.Register(n, "True", "AgentReady", "sluice agent programmed the node"));
  }
  SLUICE_RETURN_IF_ERROR(
      apiserver::WriteKubeconfig(kubeconfig, server->url(), server->ca_pem(),
                                 {"sluice-admin", server->tokens().admin_token()}));
  PrintUsage(layout, up.nodes, server->url(), kubeconfig);

  WaitForStop(signals, agents, registration);
  std::cout << "sluice up: stopping \"" << layout.name << "\"" << std::endl;
  for (AgentProcess& a : agents) StopAgent(a, std::chrono::seconds(5));
  for (const NodeLayout& n : up.nodes)
    if (auto s = registration.Register(n, "Unknown", "ClusterStopped", "sluice up stopped");
        !s.ok())
      std::cerr << "sluice up: " << s << std::endl;
  return absl::OkStatus();
}

absl::Status RunDownCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"--name", "--pin-root"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kDownUsage));
  ClusterLayout layout = LayoutFrom(*flags);
  SLUICE_RETURN_IF_ERROR(ValidateClusterName(layout.name));
  std::vector<std::string> left = ClusterLeftovers(layout);
  SLUICE_RETURN_IF_ERROR(RemoveCluster(layout));
  std::cout << "sluice down: \"" << layout.name << "\": removed " << left.size() << " items"
            << std::endl;
  return absl::OkStatus();
}

}  // namespace sluice
