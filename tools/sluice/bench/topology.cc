#include "tools/sluice/bench/topology.h"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/sluice/bench/command.h"

namespace sluice::bench {
namespace {

std::atomic<int> g_counter{0};

absl::StatusOr<std::array<uint8_t, 6>> ParseMac(const std::string& s) {
  std::array<uint8_t, 6> mac{};
  std::vector<std::string> parts = absl::StrSplit(s, ':');
  if (parts.size() != 6) return absl::InternalError("bad MAC address " + s);
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(std::stoul(parts[i], nullptr, 16));
  return mac;
}

struct LinkInfo {
  int ifindex = 0;
  std::string mac;
};

absl::StatusOr<LinkInfo> Link(const std::string& ns, const std::string& dev) {
  auto out = Run(ns, {"ip", "-j", "link", "show", "dev", dev});
  if (!out.ok()) return out.status();
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (!j.is_array() || j.empty()) return absl::InternalError("ip -j link: " + *out);
  return LinkInfo{j[0].value("ifindex", 0), j[0].value("address", "")};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Topology>> Topology::Create() {
  std::unique_ptr<Topology> t(
      new Topology(absl::StrCat(kNamePrefix, getpid(), "-", g_counter.fetch_add(1))));
  if (auto s = t->Build(); !s.ok()) {
    t->Teardown().IgnoreError();
    return s;
  }
  return t;
}

Topology::~Topology() {
  if (auto s = Teardown(); !s.ok()) {
    std::fprintf(stderr, "sluice bench: teardown: %s\n", std::string(s.message()).c_str());
  }
}

absl::Status Topology::Teardown() {
  absl::Status first;
  while (!made_.empty()) {
    auto r = Run("", {"ip", "netns", "del", made_.back()});
    if (!r.ok() && first.ok()) first = r.status();
    made_.pop_back();
  }
  return first;
}

std::vector<std::string> Topology::NamespacesOf(int pid) {
  std::vector<std::string> out;
  std::string want = absl::StrCat(kNamePrefix, pid, "-");
  if (DIR* d = opendir("/run/netns")) {
    while (dirent* e = readdir(d)) {
      if (absl::StartsWith(e->d_name, want)) out.push_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

absl::Status Topology::Build() {
  for (const std::string& ns : {client_ns(), node_ns(), sink_ns()}) {
    if (auto r = Run("", {"ip", "netns", "add", ns}); !r.ok()) return r.status();
    made_.push_back(ns);
  }
  const std::string node = node_ns(), client = client_ns(), sink = sink_ns();
  // Each command runs in the namespace it names; none in ours.
  const std::vector<std::pair<std::string, std::vector<std::string>>> steps = {
      {node, {"ip", "link", "add", "ext", "type", "veth", "peer", "name", "eth0", "netns", client}},
      {node, {"ip", "link", "add", "int", "type", "veth", "peer", "name", "eth0", "netns", sink}},
      {node, {"ip", "addr", "add", "10.10.0.1/24", "dev", "ext"}},
      {node, {"ip", "addr", "add", "10.20.0.1/24", "dev", "int"}},
      {client, {"ip", "addr", "add", "10.10.0.2/24", "dev", "eth0"}},
      {sink, {"ip", "addr", "add", "10.20.0.2/24", "dev", "eth0"}},
      {node, {"ip", "link", "set", "lo", "up"}},
      {node, {"ip", "link", "set", "ext", "up"}},
      {node, {"ip", "link", "set", "int", "up"}},
      {client, {"ip", "link", "set", "lo", "up"}},
      {client, {"ip", "link", "set", "eth0", "up"}},
      {sink, {"ip", "link", "set", "lo", "up"}},
      {sink, {"ip", "link", "set", "eth0", "up"}},
      {client, {"ip", "route", "add", "default", "via", "10.10.0.1"}},
      {sink, {"ip", "route", "add", "default", "via", "10.20.0.1"}},
      {node, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"}},
      {node, {"sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0"}},
      {node, {"sysctl", "-q", "-w", "net.ipv4.conf.default.rp_filter=0"}},
      {node, {"sysctl", "-q", "-w", "net.ipv4.conf.ext.rp_filter=0"}},
      {node, {"ip", "route", "add", "10.64.0.0/10", "via", "10.20.0.2"}},
      {node, {"ip", "route", "add", "10.96.0.0/12", "via", "10.20.0.2"}},
  };
  for (const auto& [ns, argv] : steps) {
    if (auto r = Run(ns, argv); !r.ok()) return r.status();
  }
  auto ext = Link(node, "ext");
  auto cl = Link(client, "eth0");
  auto sk = Link(sink, "eth0");
  if (!ext.ok()) return ext.status();
  if (!cl.ok()) return cl.status();
  if (!sk.ok()) return sk.status();
  if (auto r = Run(node, {"ip", "neigh", "replace", "10.20.0.2", "lladdr", sk->mac, "dev", "int",
                          "nud", "permanent"});
      !r.ok()) {
    return r.status();
  }
  if (auto r = Run(client, {"ip", "neigh", "replace", "10.10.0.1", "lladdr", ext->mac, "dev",
                            "eth0", "nud", "permanent"});
      !r.ok()) {
    return r.status();
  }
  node_ext_ifindex_ = ext->ifindex;
  sink_ifindex_ = sk->ifindex;
  auto m1 = ParseMac(ext->mac);
  auto m2 = ParseMac(cl->mac);
  if (!m1.ok()) return m1.status();
  if (!m2.ok()) return m2.status();
  node_ext_mac_ = *m1;
  client_mac_ = *m2;
  return absl::OkStatus();
}

}  // namespace sluice::bench
