#include "tools/sluicectl/views.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/ip_address.h"
#include "dataplane/lb_names.h"

namespace sluice::ctl {
namespace {

std::string Addr(const lb_addr& a, uint8_t family) {
  return IpAddress::FromAbi(a, family).ToString();
}

std::string Endpoint(const lb_addr& a, uint16_t be_port, uint8_t family) {
  std::string ip = Addr(a, family);
  if (family == LB_AF_INET6) ip = "[" + ip + "]";
  return absl::StrCat(ip, ":", ntohs(be_port));
}

std::string Proto(uint8_t p) {
  switch (p) {
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 132:
      return "SCTP";
    default:
      return absl::StrCat(p);
  }
}

const char* Kind(uint8_t k) {
  switch (k) {
    case LB_FE_CLUSTER_IP:
      return "ClusterIP";
    case LB_FE_NODE_PORT:
      return "NodePort";
    case LB_FE_LOAD_BALANCER:
      return "LoadBalancer";
    case LB_FE_EXTERNAL_IP:
      return "ExternalIP";
    default:
      return "?";
  }
}

const char* Algorithm(uint8_t a) {
  switch (a) {
    case LB_ALG_MAGLEV:
      return "maglev";
    case LB_ALG_ROUND_ROBIN:
      return "round-robin";
    case LB_ALG_RANDOM:
      return "random";
    default:
      return "?";
  }
}

std::string BackendFlags(uint8_t f) {
  std::vector<std::string> out;
  if (f & LB_BE_F_LOCAL) out.push_back("local");
  if (f & LB_BE_F_TERMINATING) out.push_back("terminating");
  if (f & LB_BE_F_SELECTABLE_CLUSTER) out.push_back("in-cluster-table");
  if (f & LB_BE_F_SELECTABLE_LOCAL) out.push_back("in-local-table");
  return out.empty() ? "-" : absl::StrJoin(out, ",");
}

bool Matches(const std::string& filter, const std::string& name) {
  return filter.empty() || name.find(filter) != std::string::npos;
}

}  // namespace

absl::StatusOr<json> ServicesView(const MapFds& maps) {
  auto st = ReadMapState(maps);
  if (!st.ok()) return st.status();
  std::map<uint32_t, std::vector<std::string>> frontends;
  for (const auto& [k, v] : st->frontends) {
    if (v.service_id == 0) continue;  // address markers
    std::string where = k.addr.w[0] | k.addr.w[1] | k.addr.w[2] | k.addr.w[3]
                            ? Endpoint(k.addr, k.port, k.family)
                            : absl::StrCat("*:", ntohs(k.port));
    frontends[v.service_id].push_back(absl::StrCat(Kind(v.kind), " ", where, "/", Proto(k.proto),
                                                   (v.flags & LB_FE_F_LOCAL_ONLY) ? " local" : ""));
  }
  std::map<uint32_t, int> backends;
  for (const auto& [id, b] : st->backends) backends[b.service_id]++;
  json view = {
      {"columns", {"ID", "SERVICE", "ALGORITHM", "AFFINITY", "BACKENDS", "TABLE", "FRONTENDS"}},
      {"rows", json::array()}};
  auto services = st->services;
  std::sort(services.begin(), services.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (const auto& s : services) {
    std::sort(frontends[s.id].begin(), frontends[s.id].end());
    view["rows"].push_back({s.id, s.name, Algorithm(s.value.algorithm),
                            (s.value.flags & LB_SVC_F_AFFINITY)
                                ? absl::StrCat("ClientIP ", s.value.affinity_timeout_s, "s")
                                : "None",
                            backends[s.id],
                            absl::StrCat(s.value.table_size[LB_SCOPE_CLUSTER], "/",
                                         s.value.table_size[LB_SCOPE_LOCAL], " gen ", s.value.gen),
                            absl::StrJoin(frontends[s.id], ", ")});
  }
  return view;
}

absl::StatusOr<json> BackendsView(const MapFds& maps, const std::string& filter) {
  auto st = ReadMapState(maps);
  if (!st.ok()) return st.status();
  std::map<uint32_t, std::string> names;
  for (const auto& s : st->services) names[s.id] = s.name;
  json view = {{"columns", {"ID", "SERVICE", "ADDRESS", "STATE"}}, {"rows", json::array()}};
  auto backends = st->backends;
  std::sort(backends.begin(), backends.end(), [&](auto& a, auto& b) {
    return std::tie(names[a.second.service_id], a.first) <
           std::tie(names[b.second.service_id], b.first);
  });
  for (const auto& [id, b] : backends) {
    if (!Matches(filter, names[b.service_id])) continue;
    view["rows"].push_back(
        {id, names[b.service_id], Endpoint(b.addr, b.port, b.family), BackendFlags(b.flags)});
  }
  return view;
}

absl::StatusOr<json> MaglevView(const MapFds& maps, const std::string& service) {
  auto st = ReadMapState(maps);
  if (!st.ok()) return st.status();
  const EngineState::Service* svc = nullptr;
  for (const auto& s : st->services)
    if (s.name == service || absl::StrCat(s.id) == service) svc = &s;
  if (!svc)
    return absl::NotFoundError(absl::StrCat("no service ", service, " (see `sluicectl services`)"));
  std::map<uint32_t, std::string> where;
  for (const auto& [id, b] : st->backends)
    if (b.service_id == svc->id) where[id] = Endpoint(b.addr, b.port, b.family);
  json view = {{"columns", {"SCOPE", "BACKEND", "SLOTS", "SHARE"}},
               {"rows", json::array()},
               {"service", svc->name},
               {"algorithm", Algorithm(svc->value.algorithm)}};
  for (uint8_t scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
    uint32_t size = svc->value.table_size[scope];
    if (size == 0) continue;
    std::map<uint32_t, uint32_t> count;
    for (uint32_t id : ReadTable(maps, svc->id, svc->value.gen, scope, size)) count[id]++;
    for (const auto& [id, n] : count)
      view["rows"].push_back({scope == LB_SCOPE_LOCAL ? "local" : "cluster",
                              where.contains(id) ? where[id] : absl::StrCat("#", id), n,
                              absl::StrCat(absl::StrFormat("%.2f", 100.0 * n / size), "%")});
  }
  return view;
}

absl::StatusOr<json> ConntrackView(const MapFds& maps, const std::string& service_filter,
                                   const std::string& address_filter) {
  auto st = ReadMapState(maps);
  if (!st.ok()) return st.status();
  std::map<uint32_t, std::string> names;
  for (const auto& s : st->services) names[s.id] = s.name;
  uint64_t now = BpfEngine::ClockNs();
  auto entries = ReadConntrack(maps, [&](const lb_ct_key& k, const lb_ct_entry& e) {
    if (!Matches(service_filter, names[e.service_id])) return false;
    if (address_filter.empty()) return true;
    for (const lb_addr* a : {&k.saddr, &k.daddr, &e.nat_saddr, &e.nat_daddr})
      if (Addr(*a, k.family) == address_filter) return true;
    return false;
  });
  json view = {
      {"columns", {"PROTO", "FROM", "TO", "REWRITE", "DIR", "STATE", "SERVICE", "EXPIRES"}},
      {"rows", json::array()}};
  static const char* kStates[] = {"-", "SYN", "ESTABLISHED", "CLOSING"};
  for (const auto& [k, e] : entries) {
    std::vector<std::string> rw;
    if (e.flags & LB_CT_F_SNAT) rw.push_back("src→" + Endpoint(e.nat_saddr, e.nat_sport, k.family));
    if (e.flags & LB_CT_F_DNAT) rw.push_back("dst→" + Endpoint(e.nat_daddr, e.nat_dport, k.family));
    int64_t left = static_cast<int64_t>(e.expires_ns) - static_cast<int64_t>(now);
    view["rows"].push_back({Proto(k.proto), Endpoint(k.saddr, k.sport, k.family),
                            Endpoint(k.daddr, k.dport, k.family), absl::StrJoin(rw, " "),
                            (e.flags & LB_CT_F_REPLY) ? "reply" : "original",
                            kStates[e.tcp_state & 3], names[e.service_id],
                            left > 0 ? absl::StrCat(left / 1'000'000'000, "s") : "expired"});
  }
  return view;
}

json CountersView(const MapFds& maps) {
  std::vector<uint64_t> c = ReadCounters(maps);
  json view = {{"columns", {"COUNTER", "PACKETS"}}, {"rows", json::array()}};
  for (uint32_t i = 0; i < c.size(); ++i) {
    if (i >= LB_CNT_DROP_BASE || i <= LB_CNT_CT_EVICTED)
      if (i < LB_CNT_DROP_BASE + 1 || c[i] > 0) view["rows"].push_back({CounterName(i), c[i]});
  }
  return view;
}

json StatusView(const std::string& pin_dir, const MapFds& maps) {
  json view = {{"columns", {"KIND", "NAME", "DETAIL"}}, {"rows", json::array()}};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(pin_dir + "/links", ec)) {
    int fd = bpf_obj_get(e.path().c_str());
    std::string detail = "unreadable";
    if (fd >= 0) {
      bpf_link_info info{};
      uint32_t len = sizeof(info);
      // tcx links (type 11, newer than libbpf 1.1's headers) keep their
      // ifindex where XDP links do.
      constexpr uint32_t kLinkTypeTcx = 11;
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
        detail = absl::StrCat(
            "link ", info.id, ", program ", info.prog_id,
            info.type == BPF_LINK_TYPE_XDP ? absl::StrCat(", XDP, ifindex ", info.xdp.ifindex)
            : info.type == kLinkTypeTcx    ? absl::StrCat(", tcx, ifindex ", info.xdp.ifindex)
                                           : "");
      close(fd);
    }
    view["rows"].push_back({"link", e.path().filename().string(), detail});
  }
  auto st = ReadMapState(maps);
  if (st.ok()) {
    view["rows"].push_back({"map", "lb_services", absl::StrCat(st->services.size(), " entries")});
    view["rows"].push_back({"map", "lb_backends", absl::StrCat(st->backends.size(), " entries")});
    view["rows"].push_back({"map", "lb_frontends", absl::StrCat(st->frontends.size(), " entries")});
  }
  size_t ct = ReadConntrack(maps, [](const lb_ct_key&, const lb_ct_entry&) { return true; }).size();
  view["rows"].push_back({"map", "lb_ct4_buckets, lb_ct6", absl::StrCat(ct, " entries")});
  return view;
}

std::string RenderTable(const json& view) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header;
  for (const auto& c : view["columns"]) header.push_back(c.get<std::string>());
  cells.push_back(header);
  for (const auto& row : view["rows"]) {
    std::vector<std::string> r;
    for (const auto& v : row) r.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    cells.push_back(r);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& r : cells)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : cells) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace sluice::ctl
