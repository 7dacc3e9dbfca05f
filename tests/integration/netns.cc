#include "tests/integration/netns.h"

#include <net/if.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sluice::netns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLeafIface[] = "eth0";

std::string Base36(uint64_t v) {
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
    v /= 36;
  } while (v != 0);
  return s;
}

std::optional<uint64_t> ParseBase36(absl::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;
    v = v * 36 + digit;
  }
  return v;
}

// "sl" + base-36 digits, optionally "-" + base-36 digits: the only shapes
// SweepLeftovers accepts, so that no prefix can reach a namespace not ours.
// Not "sluice-...": that is `sluice up`'s node namespaces (sluice-NAME-node0),
// which would otherwise read as pid "uice" and be swept as stale (a Topology
// of pid 1423454 leaves what `sluice down` or a reboot must remove).
bool ValidPrefix(absl::string_view p) {
  if (!absl::StartsWith(p, "sl") || absl::StartsWith(p, "sluice-")) return false;
  std::vector<absl::string_view> parts = absl::StrSplit(p.substr(2), '-');
  if (parts.size() > 2) return false;
  for (absl::string_view part : parts) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
    }
  }
  return true;
}

// A leaf's link: subnet `v4_net`/24 ("10.244.1") and `v6_net`::/64
// ("fd00:244:1"), the node at .1 / ::1, the leaf at .2 / ::2.
Link MakeLink(std::string ns, std::string node_iface, const std::string& v4_net,
              const std::string& v6_net) {
  return Link{.ns = std::move(ns),
              .node_iface = std::move(node_iface),
              .leaf_iface = kLeafIface,
              .node = {absl::StrCat(v4_net, ".1"), absl::StrCat(v6_net, "::1")},
              .leaf = {absl::StrCat(v4_net, ".2"), absl::StrCat(v6_net, "::2")},
              .subnet = {absl::StrCat(v4_net, ".0/24"), absl::StrCat(v6_net, "::/64")}};
}

// A `ip -batch` script; each line is an `ip` command without the "ip".
std::string Script(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) absl::StrAppend(&s, l, "\n");
  return s;
}

}  // namespace

Topology::Topology(std::string prefix)
    : prefix_(std::move(prefix)), node_ns_(absl::StrCat(prefix_, "-node")) {}

Topology::~Topology() {
  absl::Status s = Teardown();
  if (!s.ok()) std::cerr << "netns: teardown of " << prefix_ << ": " << s << "\n";
}

absl::StatusOr<std::unique_ptr<Topology>> Topology::Create(const TopologyOptions& options) {
  if (options.backends < 1 || options.backends > 16) {
    return absl::InvalidArgumentError("backends must be 1 to 16");
  }
  if (absl::Status s = SweepStale(); !s.ok()) {
    std::cerr << "netns: sweeping what earlier runs left: " << s << "\n";
  }
  static std::atomic<uint64_t> counter{0};
  std::string prefix = absl::StrCat("sl", Base36(getpid()), "-", Base36(counter++));
  // Our pid is in the name, so a namespace already carrying it was left by a
  // dead process that had the same pid.
  if (!Leftovers(prefix).empty()) {
    if (absl::Status s = SweepLeftovers(prefix); !s.ok()) return s;
  }
  std::unique_ptr<Topology> topo(new Topology(prefix));
  if (absl::Status s = topo->Build(options.backends); !s.ok()) {
    // The destructor removes the part already made.
    return absl::Status(s.code(), absl::StrCat("building topology ", prefix, ": ", s.message()));
  }
  return topo;
}

absl::Status Topology::Build(int backends) {
  links_.push_back(MakeLink(absl::StrCat(prefix_, "-client"), absl::StrCat(prefix_, "-ext"),
                            "192.168.100", "fd00:100"));
  links_.push_back(MakeLink(absl::StrCat(prefix_, "-pod"), absl::StrCat(prefix_, "-pod"),
                            "10.244.0", "fd00:244"));
  for (int i = 0; i < backends; ++i) {
    // The same decimal number in both families: fd00:244:12:: for 10.244.12.0.
    std::string n = absl::StrCat(i + 1);
    std::string name = absl::StrCat(prefix_, "-be", i);
    links_.push_back(
        MakeLink(name, name, absl::StrCat("10.244.", n), absl::StrCat("fd00:244:", n)));
  }
  for (const Link& l : links_) {
    if (l.node_iface.size() >= IFNAMSIZ) {
      return absl::InternalError(absl::StrCat("interface name too long: ", l.node_iface));
    }
  }
  for (const std::string& ns : namespaces()) {
    if (absl::Status s = AddNamespace(ns); !s.ok()) return s;
  }
  if (absl::Status s = Configure(); !s.ok()) return s;
  return WaitForCarrier(Millis(5000));
}

absl::Status Topology::AddNamespace(const std::string& name) {
  absl::StatusOr<CommandResult> r = RunCommand({"ip", "netns", "add", name});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("ip netns add ", name, ": ", r->err));
  }
  made_.push_back(name);
  // DAD off before any interface exists: new interfaces copy "default".
  std::vector<std::pair<std::string, std::string>> sysctls = {
      {"net/ipv6/conf/all/accept_dad", "0"},
      {"net/ipv6/conf/default/accept_dad", "0"},
  };
  // The node routes. A new namespace copies the host's IPv4 settings, and
  // strict reverse-path filtering there would drop rewritten packets whose
  // source routes back through another interface.
  const std::vector<std::pair<std::string, std::string>> node = {
      {"net/ipv4/ip_forward", "1"},
      {"net/ipv6/conf/all/forwarding", "1"},
      {"net/ipv4/conf/all/rp_filter", "0"},
      {"net/ipv4/conf/default/rp_filter", "0"},
  };
  if (name == node_ns_) sysctls.insert(sysctls.end(), node.begin(), node.end());
  return WriteSysctlsIn(name, sysctls);
}

absl::Status Topology::Configure() {
  // Each pair is made by the node's own `ip` with the peer placed in the leaf
  // at creation: no end ever exists in the host namespace.
  std::vector<std::string> create;
  for (const Link& l : links_) {
    create.push_back(absl::StrCat("link add ", l.node_iface, " type veth peer name ", l.leaf_iface,
                                  " netns ", l.ns));
  }
  if (auto r = RunInOk(node_ns_, {"ip", "-batch", "-"}, {.input = Script(create)}); !r.ok()) {
    return r.status();
  }
  // Offloads off before the links come up, on both ends of every pair, so
  // that packets carry full checksums. GRO stays on where a veth receives
  // (both ends): it gives the veth a NAPI context, without which frames that
  // XDP transmits (XDP_TX) or redirects into it are dropped.
  for (const Link& l : links_) {
    for (const auto& [ns, iface] : {std::pair{node_ns_, l.node_iface}, {l.ns, l.leaf_iface}}) {
      auto r = RunInOk(ns, {"ethtool", "-K", iface, "tx", "off", "rx", "off", "gso", "off", "tso",
                            "off", "gro", "on"});
      if (!r.ok()) return r.status();
    }
  }
  std::vector<std::string> node = {"link set lo up"};
  for (const Link& l : links_) {
    node.push_back(absl::StrCat("link set ", l.node_iface, " up"));
    node.push_back(absl::StrCat("address add ", l.node.v4, "/24 dev ", l.node_iface));
    node.push_back(absl::StrCat("address add ", l.node.v6, "/64 dev ", l.node_iface, " nodad"));
  }
  if (auto r = RunInOk(node_ns_, {"ip", "-batch", "-"}, {.input = Script(node)}); !r.ok()) {
    return r.status();
  }
  for (const Link& l : links_) {
    std::vector<std::string> leaf = {
        "link set lo up",
        absl::StrCat("link set ", l.leaf_iface, " up"),
        absl::StrCat("address add ", l.leaf.v4, "/24 dev ", l.leaf_iface),
        absl::StrCat("address add ", l.leaf.v6, "/64 dev ", l.leaf_iface, " nodad"),
        absl::StrCat("route add 0.0.0.0/0 via ", l.node.v4),
        absl::StrCat("route add ::/0 via ", l.node.v6),
    };
    if (auto r = RunInOk(l.ns, {"ip", "-batch", "-"}, {.input = Script(leaf)}); !r.ok()) {
      return r.status();
    }
  }
  return absl::OkStatus();
}

// Until the kernel has seen the carrier of a veth, its queue drops every
// packet: wait for each interface to be up with its lower layer up.
absl::Status Topology::WaitForCarrier(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (const std::string& ns : namespaces()) {
    for (;;) {
      auto out = RunInOk(ns, {"ip", "-oneline", "link", "show", "up"});
      if (!out.ok()) return out.status();
      bool all_up = true;
      for (absl::string_view line : absl::StrSplit(*out, '\n', absl::SkipEmpty())) {
        if (absl::StrContains(line, "LOOPBACK")) continue;
        all_up &= absl::StrContains(line, "LOWER_UP") && absl::StrContains(line, "state UP");
      }
      if (all_up) break;
      if (Clock::now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat("links of ", ns, " not up: ", *out));
      }
      std::this_thread::sleep_for(Millis(5));
    }
  }
  return absl::OkStatus();
}

absl::Status Topology::Teardown() {
  absl::Status result;
  // Processes first: a process inside a namespace keeps it, and its veths, alive.
  for (pid_t pid : spawned_) kill(-pid, SIGTERM);
  for (pid_t pid : spawned_) {
    if (!WaitChild(pid, Millis(2000)).ok()) {
      kill(-pid, SIGKILL);
      result.Update(WaitChild(pid, Millis(2000)).status());
    }
  }
  spawned_.clear();
  while (!at_teardown_.empty()) {
    result.Update(at_teardown_.back()());
    at_teardown_.pop_back();
  }
  // Leaves before the node, the reverse of creation.
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
    result.Update(KillAllInNamespace(*it));
    result.Update(DeleteNamespace(*it));
  }
  made_.clear();
  return result;
}

std::vector<std::string> Topology::Leftovers(absl::string_view prefix) {
  std::vector<std::string> out;
  if (!ValidPrefix(prefix)) return out;
  std::string start = absl::StrCat(prefix, "-");
  for (std::string& ns : ListNamespaces()) {
    if (absl::StartsWith(ns, start)) out.push_back(std::move(ns));
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status Topology::SweepLeftovers(absl::string_view prefix) {
  if (!ValidPrefix(prefix)) {
    return absl::InvalidArgumentError(absl::StrCat("not a topology prefix: \"", prefix, "\""));
  }
  absl::Status result;
  for (const std::string& ns : Leftovers(prefix)) {
    result.Update(KillAllInNamespace(ns));
    result.Update(DeleteNamespace(ns));
  }
  return result;
}

std::vector<std::string> Topology::StalePrefixes() {
  std::set<std::string> out;
  for (const std::string& ns : ListNamespaces()) {
    std::vector<std::string> parts = absl::StrSplit(ns, absl::MaxSplits('-', 2));
    if (parts.size() != 3) continue;
    std::string prefix = absl::StrCat(parts[0], "-", parts[1]);
    std::optional<uint64_t> pid = ParseBase36(absl::string_view(parts[0]).substr(2));
    if (!ValidPrefix(prefix) || !pid || *pid > INT32_MAX) continue;
    // EPERM would mean alive; only "no such process" is dead.
    if (kill(static_cast<pid_t>(*pid), 0) != 0 && errno == ESRCH) out.insert(prefix);
  }
  return {out.begin(), out.end()};
}

absl::Status Topology::SweepStale() {
  absl::Status result;
  for (const std::string& prefix : StalePrefixes()) result.Update(SweepLeftovers(prefix));
  return result;
}

std::vector<std::string> Topology::backend_ifaces() const {
  std::vector<std::string> out;
  for (int i = 0; i < num_backends(); ++i) out.push_back(backend(i).node_iface);
  return out;
}

std::vector<std::string> Topology::namespaces() const {
  std::vector<std::string> out = {node_ns_};
  for (const Link& l : links_) out.push_back(l.ns);
  return out;
}

bool Topology::Owns(absl::string_view ns) const {
  return std::find(made_.begin(), made_.end(), ns) != made_.end();
}

bool Topology::Spawned(pid_t pid) const {
  return std::find(spawned_.begin(), spawned_.end(), pid) != spawned_.end();
}

absl::StatusOr<CommandResult> Topology::RunIn(absl::string_view ns,
                                              const std::vector<std::string>& argv,
                                              const RunOptions& options) const {
  if (!Owns(ns)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", ns, "\" is not a namespace of ", prefix_));
  }
  return RunInNamespace(ns, argv, options);
}

absl::StatusOr<std::string> Topology::RunInOk(absl::string_view ns,
                                              const std::vector<std::string>& argv,
                                              const RunOptions& options) const {
  absl::StatusOr<CommandResult> r = RunIn(ns, argv, options);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("\"", absl::StrJoin(argv, " "), "\" in ", ns,
                                            " exited ", r->exit_code, ": ", r->err));
  }
  return std::move(r->out);
}

absl::StatusOr<pid_t> Topology::Spawn(absl::string_view ns, const std::vector<std::string>& argv,
                                      const SpawnOptions& options) {
  if (!Owns(ns)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", ns, "\" is not a namespace of ", prefix_));
  }
  absl::StatusOr<pid_t> pid = SpawnInNamespace(ns, argv, options);
  if (pid.ok()) spawned_.push_back(*pid);
  return pid;
}

absl::Status Topology::Signal(pid_t pid, int signal) {
  if (!Spawned(pid)) return absl::InvalidArgumentError(absl::StrCat("pid ", pid, " not spawned"));
  if (kill(pid, signal) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("kill ", pid));
  return absl::OkStatus();
}

absl::StatusOr<int> Topology::Wait(pid_t pid, Millis timeout) {
  if (!Spawned(pid)) return absl::InvalidArgumentError(absl::StrCat("pid ", pid, " not spawned"));
  absl::StatusOr<int> st = WaitChild(pid, timeout);
  if (st.ok()) spawned_.erase(std::find(spawned_.begin(), spawned_.end(), pid));
  return st;
}

absl::StatusOr<int> Topology::Stop(pid_t pid, Millis grace) {
  if (absl::Status s = Signal(pid, SIGTERM); !s.ok()) return s;
  absl::StatusOr<int> st = Wait(pid, grace);
  if (st.ok()) return st;
  kill(-pid, SIGKILL);
  return Wait(pid, Millis(2000));
}

}  // namespace sluice::netns
