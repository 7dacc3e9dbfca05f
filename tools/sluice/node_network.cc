#include "tools/sluice/node_network.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "control/status_macros.h"
#include "dataplane/bpf/attach.h"
#include "dataplane/ip_address.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs a program (iproute2's `ip`) to completion; its output (stdout and
// stderr together) is returned, or quoted in the error when it fails.
absl::StatusOr<std::string> RunProgram(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    // Only async-signal-safe calls: the parent has threads. Our blocked
    // signals would survive exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), ": ", absl::StripTrailingAsciiWhitespace(out)));
  return out;
}

absl::Status Ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv).status();
}

// The first address of `cidr` as a host-order number, checked to be IPv4
// with room for `count` blocks of 2^`block_bits` addresses.
absl::StatusOr<uint32_t> Ipv4Base(const std::string& flag, const std::string& cidr, int count,
                                  int block_bits) {
  auto prefix = IpPrefix::Parse(cidr);
  if (!prefix.ok() || !prefix->address().is_v4())
    return absl::InvalidArgumentError(absl::StrCat(flag, ": expected an IPv4 CIDR, got ", cidr));
  if (prefix->length() > 32 - block_bits ||
      (static_cast<uint64_t>(count) << block_bits) > (uint64_t{1} << (32 - prefix->length())))
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", cidr, " has no room for ", count,
                                                   " node(s) of a /", 32 - block_bits, " each"));
  const auto& b = prefix->address().bytes();
  uint32_t base = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  if (prefix->length() < 32 && (base & (~uint32_t{0} >> prefix->length())) != 0)
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", cidr, " has bits set past its prefix length"));
  return base;
}

std::string Ipv4(uint32_t host_order) {
  return IpAddress::FromV4(host_order).ToString();
}

// Entries of `dir` whose names match `pattern` whole, as full paths.
std::vector<std::string> Matching(const std::string& dir, const std::regex& pattern) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (std::regex_match(e.path().filename().string(), pattern)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Leftovers {
  std::vector<std::string> namespaces;  // names under /run/netns
  std::vector<std::string> host_ifaces;
  std::vector<std::string> cgroups;  // paths
  std::vector<std::string> pin_dirs;
};

Leftovers FindLeftovers(const ClusterLayout& layout) {
  // The name is validated: letters, digits and '-', nothing a regex reads.
  const std::string& n = layout.name;
  Leftovers l;
  for (const std::string& p : Matching("/run/netns", std::regex("sluice-" + n + "-node[0-9]+")))
    l.namespaces.push_back(fs::path(p).filename().string());
  for (const std::string& p : Matching("/sys/class/net", std::regex("sl-" + n + "-[0-9]+")))
    l.host_ifaces.push_back(fs::path(p).filename().string());
  std::string cgroups = layout.cgroup_root;
  if (cgroups.empty()) cgroups = Cgroup2Mount().value_or("");
  if (!cgroups.empty()) l.cgroups = Matching(cgroups, std::regex("sluice-" + n + "-node[0-9]+"));
  l.pin_dirs = Matching(layout.pin_root, std::regex(n + "-node[0-9]+"));
  return l;
}

// SIGKILLs whatever runs in the namespace (the node's agent, a user's pods),
// until nothing does.
absl::Status KillProcessesIn(const std::string& netns) {
  for (auto end = Clock::now() + std::chrono::seconds(5);;) {
    auto out = RunProgram({"ip", "netns", "pids", netns});
    if (!out.ok()) return out.status();
    std::vector<std::string> pids = absl::StrSplit(*out, '\n', absl::SkipWhitespace());
    if (pids.empty()) return absl::OkStatus();
    for (const std::string& p : pids) {
      int pid = 0;
      if (absl::SimpleAtoi(p, &pid) && pid > 1) kill(pid, SIGKILL);
    }
    if (Clock::now() > end)
      return absl::DeadlineExceededError(
          absl::StrCat("processes still in ", netns, ": ", absl::StrJoin(pids, " ")));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// cgroup.kill (Linux 5.14) ends the processes inside; rmdir succeeds once
// they are gone.
absl::Status RemoveCgroup(const std::string& path) {
  std::ofstream(path + "/cgroup.kill") << "1";
  for (auto end = Clock::now() + std::chrono::seconds(5);;) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY || Clock::now() > end)
      return absl::ErrnoToStatus(errno, absl::StrCat("rmdir ", path));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

absl::Status ValidateClusterName(const std::string& name) {
  static const std::regex kName("[a-z]([a-z0-9-]{0,7}[a-z0-9])?");
  if (!std::regex_match(name, kName))
    return absl::InvalidArgumentError(absl::StrCat(
        "--name: \"", name,
        "\": 1 to 9 lower-case letters, digits and '-', starting with a letter and not "
        "ending with '-'"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NodeLayout>> PlanNodes(const ClusterLayout& layout) {
  SLUICE_RETURN_IF_ERROR(ValidateClusterName(layout.name));
  if (layout.nodes < 1 || layout.nodes > kMaxNodes)
    return absl::InvalidArgumentError(absl::StrCat("--nodes: 1 to ", kMaxNodes));
  SLUICE_ASSIGN_OR_RETURN(uint32_t nodes,
                          Ipv4Base("--node-network", layout.node_network, layout.nodes, 2));
  SLUICE_ASSIGN_OR_RETURN(uint32_t pods,
                          Ipv4Base("--pod-network", layout.pod_network, layout.nodes, 8));
  std::string pod_network = IpPrefix::Parse(layout.pod_network)->ToString();
  std::string cgroups = layout.cgroup_root;
  if (cgroups.empty()) {
    SLUICE_ASSIGN_OR_RETURN(cgroups, Cgroup2Mount());
  }
  std::vector<NodeLayout> out;
  for (int i = 0; i < layout.nodes; ++i) {
    std::string node = absl::StrCat(layout.name, "-node", i);
    uint32_t link = nodes + 4 * i, pod = pods + (uint32_t(i) << 8);
    out.push_back({.node_name = node,
                   .netns = "sluice-" + node,
                   .host_iface = absl::StrCat("sl-", layout.name, "-", i),
                   .host_address = Ipv4(link + 1),
                   .node_address = Ipv4(link + 2),
                   .pod_cidr = Ipv4(pod) + "/24",
                   .pod_gateway = Ipv4(pod + 1),
                   .pod_network = pod_network,
                   .cgroup = cgroups + "/sluice-" + node,
                   .pin_dir = layout.pin_root + "/" + node});
  }
  return out;
}

absl::StatusOr<std::string> Cgroup2Mount() {
  std::ifstream mounts("/proc/mounts");
  for (std::string line; std::getline(mounts, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() >= 3 && f[2] == "cgroup2") return f[1];
  }
  return absl::FailedPreconditionError("no cgroup v2 hierarchy is mounted (see /proc/mounts)");
}

absl::Status CheckNodeNetworkFree(const NodeLayout& node) {
  for (const std::string& a : {node.host_address, node.node_address}) {
    SLUICE_ASSIGN_OR_RETURN(std::string routes,
                            RunProgram({"ip", "-4", "-o", "route", "show", "match", a}));
    for (absl::string_view r : absl::StrSplit(routes, '\n', absl::SkipWhitespace()))
      if (!absl::StartsWith(r, "default"))
        return absl::FailedPreconditionError(absl::StrCat("--node-network: ", a,
                                                          " is already routed on this machine (", r,
                                                          "); choose another range"));
  }
  return absl::OkStatus();
}

absl::Status CreateNode(const NodeLayout& n) {
  const std::string& ns = n.netns;
  SLUICE_RETURN_IF_ERROR(Ip({"netns", "add", ns}));
  // Made with its node end inside the namespace: the host only ever holds its
  // own end, which goes when the namespace does.
  SLUICE_RETURN_IF_ERROR(
      Ip({"link", "add", n.host_iface, "type", "veth", "peer", "name", kNodeIface, "netns", ns}));
  SLUICE_RETURN_IF_ERROR(Ip({"addr", "add", n.host_address + "/30", "dev", n.host_iface}));
  SLUICE_RETURN_IF_ERROR(Ip({"link", "set", n.host_iface, "up"}));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"link", "set", "lo", "up"},
           {"addr", "add", n.node_address + "/30", "dev", kNodeIface},
           {"link", "set", kNodeIface, "up"},
           {"route", "add", "default", "via", n.host_address},
           {"route", "add", "unreachable", n.pod_network},
           {"link", "add", kPodBridge, "type", "bridge"},
           {"addr", "add", n.pod_gateway + "/24", "dev", kPodBridge},
           {"link", "set", kPodBridge, "up"}}) {
    std::vector<std::string> in_ns = {"-n", ns};
    in_ns.insert(in_ns.end(), args.begin(), args.end());
    SLUICE_RETURN_IF_ERROR(Ip(in_ns));
  }
  // The node routes between its pods and the host (and bpf_fib_lookup wants
  // forwarding on). /proc/sys/net is the namespace's own under `ip netns exec`.
  SLUICE_RETURN_IF_ERROR(
      Ip({"netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"}));
  if (mkdir(n.cgroup.c_str(), 0755) != 0)
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", n.cgroup));
  return absl::OkStatus();
}

std::vector<std::string> ClusterLeftovers(const ClusterLayout& layout) {
  Leftovers l = FindLeftovers(layout);
  std::vector<std::string> out;
  for (const std::string& ns : l.namespaces) out.push_back("/run/netns/" + ns);
  for (const std::string& i : l.host_ifaces) out.push_back("interface " + i);
  out.insert(out.end(), l.cgroups.begin(), l.cgroups.end());
  out.insert(out.end(), l.pin_dirs.begin(), l.pin_dirs.end());
  return out;
}

absl::Status RemoveCluster(const ClusterLayout& layout) {
  Leftovers l = FindLeftovers(layout);
  absl::Status first;
  auto note = [&first](absl::Status s) {
    if (first.ok()) first = std::move(s);
  };
  for (const std::string& ns : l.namespaces) note(KillProcessesIn(ns));
  // Links first (programs detach), then what they were attached to.
  for (const std::string& dir : l.pin_dirs) note(RemovePinned(dir));
  for (const std::string& cg : l.cgroups) note(RemoveCgroup(cg));
  for (const std::string& ns : l.namespaces)
    if (auto s = Ip({"netns", "del", ns}); !s.ok() && fs::exists("/run/netns/" + ns)) note(s);
  // The kernel destroys a namespace's veths a little after its last user
  // went; one whose namespace was never made stays and is ours to delete.
  for (auto end = Clock::now() + std::chrono::seconds(3);
       !FindLeftovers(layout).host_ifaces.empty() && Clock::now() < end;)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const std::string& i : FindLeftovers(layout).host_ifaces)
    if (auto s = Ip({"link", "del", i}); !s.ok() && fs::exists("/sys/class/net/" + i)) note(s);
  return first;
}

}  // namespace sluice
