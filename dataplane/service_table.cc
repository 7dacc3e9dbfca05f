#include "dataplane/service_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "dataplane/abi/lb_abi_check.h"
#include "dataplane/backend_tables.h"

namespace sluice {
namespace {

std::string KeyBytes(const void* p, size_t n) {
  return std::string(static_cast<const char*>(p), n);
}

lb_frontend_key FrontendKey(const Frontend& f, IpFamily family) {
  lb_frontend_key k{};
  if (f.address) k.addr = f.address->ToAbi();
  k.port = htons(f.port);
  k.proto = static_cast<uint8_t>(f.protocol);
  k.family = static_cast<uint8_t>(family);
  return k;
}

lb_frontend_key MarkerKey(const IpAddress& a) {
  lb_frontend_key k{};
  k.addr = a.ToAbi();
  k.family = a.abi_family();
  return k;
}

uint8_t FrontendFlags(const ServicePort& port, FrontendKind kind) {
  // ClusterIP follows internalTrafficPolicy; the external kinds follow
  // externalTrafficPolicy, and only Cluster masquerades external clients.
  // (Masquerade applies only at the external hook, so a ClusterIP reached
  // from off-node is masqueraded as kube-proxy does for off-cluster sources.)
  TrafficPolicy policy =
      kind == FrontendKind::kClusterIP ? port.internal_policy : port.external_policy;
  uint8_t flags = 0;
  if (policy == TrafficPolicy::kLocal) flags |= LB_FE_F_LOCAL_ONLY;
  if (kind == FrontendKind::kClusterIP || policy == TrafficPolicy::kCluster)
    flags |= LB_FE_F_MASQUERADE;
  if (kind != FrontendKind::kClusterIP && policy == TrafficPolicy::kLocal)
    flags &= static_cast<uint8_t>(~LB_FE_F_MASQUERADE);
  return flags;
}

bool SameBytes(const void* a, const void* b, size_t n) {
  return std::memcmp(a, b, n) == 0;
}

}  // namespace

absl::StatusOr<lb_config> MakeLbConfig(const NodeConfig& node) {
  if (node.snat_port_min == 0 || node.snat_port_max < node.snat_port_min)
    return absl::InvalidArgumentError("SNAT port range is empty");
  if (node.nodeport_max < node.nodeport_min)
    return absl::InvalidArgumentError("NodePort range is empty");
  if (node.snat_port_min <= node.nodeport_max && node.nodeport_min <= node.snat_port_max)
    return absl::InvalidArgumentError(
        absl::StrCat("SNAT port range ", node.snat_port_min, "-", node.snat_port_max,
                     " overlaps the NodePort range ", node.nodeport_min, "-", node.nodeport_max));
  lb_config c{};
  bool have4 = false, have6 = false;
  for (const IpAddress& a : node.node_addresses) {
    if (a.is_v4() && !have4) c.node_addr4 = a.ToAbi(), have4 = true;
    if (!a.is_v4() && !have6) c.node_addr6 = a.ToAbi(), have6 = true;
  }
  if (!have4 && !have6) return absl::InvalidArgumentError("the node has no address");
  c.snat_port_min = node.snat_port_min;
  c.snat_port_max = node.snat_port_max;
  c.nodeport_min = node.nodeport_min;
  c.nodeport_max = node.nodeport_max;
  c.tcp_syn_timeout_s = node.tcp_syn_timeout_s;
  c.tcp_established_timeout_s = node.tcp_established_timeout_s;
  c.tcp_closing_timeout_s = node.tcp_closing_timeout_s;
  c.udp_timeout_s = node.udp_timeout_s;
  c.frag_timeout_s = node.frag_timeout_s;
  return c;
}

absl::Status ServiceTable::SetNode(const NodeConfig& node) {
  auto config = MakeLbConfig(node);
  if (!config.ok()) return config.status();
  if (auto s = engine_->SetConfig(*config); !s.ok()) return s;
  auto key_of = [](const IpAddress& a) {
    lb_node_addr_key k{};
    k.addr = a.ToAbi();
    k.family = a.abi_family();
    return k;
  };
  for (const IpAddress& a : node_addresses_) {
    if (std::find(node.node_addresses.begin(), node.node_addresses.end(), a) ==
        node.node_addresses.end()) {
      if (auto s = engine_->RemoveNodeAddress(key_of(a)); !s.ok()) return s;
    }
  }
  for (const IpAddress& a : node.node_addresses) {
    if (auto s = engine_->AddNodeAddress(key_of(a)); !s.ok()) return s;
  }
  node_addresses_ = node.node_addresses;
  return absl::OkStatus();
}

uint32_t ServiceTable::IdPool::Allocate() {
  if (!free_.empty()) {
    uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }
  return next_ < limit_ ? next_++ : 0;
}

void ServiceTable::IdPool::Reset(const std::set<uint32_t>& taken) {
  free_.clear();
  next_ = taken.empty() ? 1 : *taken.rbegin() + 1;
  for (uint32_t id = next_ - 1; id >= 1; --id)
    if (!taken.contains(id)) free_.push_back(id);
}

absl::Status ServiceTable::Adopt() {
  auto state = engine_->ReadState();
  if (!state.ok()) return state.status();
  programmed_.clear();
  markers_.clear();
  node_addresses_.clear();
  std::map<uint32_t, std::string> key_of;
  std::set<uint32_t> service_ids, backend_ids;
  for (const auto& svc : state->services) {
    if (svc.name.empty() || programmed_.contains(svc.name)) {
      // Not ours to keep: no name (written by a crashed Apply) or a duplicate.
      if (auto s = engine_->DeleteService(svc.id); !s.ok()) return s;
      continue;
    }
    Programmed& p = programmed_[svc.name];
    p.id = svc.id;
    p.value = svc.value;  // tables unknown: the next Apply writes a new generation
    key_of[svc.id] = svc.name;
    service_ids.insert(svc.id);
  }
  for (const auto& [id, b] : state->backends) {
    auto owner = key_of.find(b.service_id);
    if (owner == key_of.end()) {
      if (auto s = engine_->DeleteBackend(id); !s.ok()) return s;
      continue;
    }
    BackendKey bk{IpAddress::FromAbi(b.addr, b.family), ntohs(b.port)};
    programmed_[owner->second].backends[bk] = {id, b};
    backend_ids.insert(id);
  }
  for (const auto& [k, v] : state->frontends) {
    std::string kb = KeyBytes(&k, sizeof(k));
    if (k.port == 0 && k.proto == 0 && v.service_id == 0) {
      markers_.insert(kb);
      continue;
    }
    auto owner = key_of.find(v.service_id);
    if (owner == key_of.end()) {
      if (auto s = engine_->DeleteFrontend(k); !s.ok()) return s;
      continue;
    }
    programmed_[owner->second].frontends[kb] = {k, v};
  }
  for (const lb_node_addr_key& k : state->node_addresses)
    node_addresses_.push_back(IpAddress::FromAbi(k.addr, k.family));
  service_ids_.Reset(service_ids);
  backend_ids_.Reset(backend_ids);
  return absl::OkStatus();
}

uint32_t ServiceTable::ServiceId(const std::string& name, IpFamily family) const {
  auto it = programmed_.find(absl::StrCat(name, family == IpFamily::kV4 ? "/v4" : "/v6"));
  return it == programmed_.end() ? 0 : it->second.id;
}

absl::Status ServiceTable::RemoveBackend(uint32_t id) {
  if (auto s = engine_->DeleteBackend(id); !s.ok()) return s;
  // kube-proxy flushes UDP conntrack of a removed endpoint: without it, a
  // UDP client that keeps sending would stay on the dead backend.
  auto flushed = engine_->FlushConntrack([id](const lb_ct_key& k, const lb_ct_entry& e) {
    return e.backend_id == id && k.proto == IPPROTO_UDP;
  });
  if (!flushed.ok()) return flushed.status();
  stats_.conntrack_flushed += *flushed;
  backend_ids_.Release(id);
  return absl::OkStatus();
}

absl::Status ServiceTable::Remove(const std::string& key) {
  Programmed& p = programmed_[key];
  for (auto& [fk, fe] : p.frontends)
    if (auto s = engine_->DeleteFrontend(fe.first); !s.ok()) return s;
  if (p.id) {
    if (auto s = engine_->DeleteService(p.id); !s.ok()) return s;
  }
  for (auto& [bk, be] : p.backends)
    if (auto s = RemoveBackend(be.first); !s.ok()) return s;
  if (p.id) service_ids_.Release(p.id);
  programmed_.erase(key);
  return absl::OkStatus();
}

absl::Status ServiceTable::ApplyTables(const std::string& key, const ServicePort& port,
                                       IpFamily family, BackendMap& next_backends) {
  Programmed& p = programmed_[key];
  bool is_new = p.id == 0;
  if (is_new) {
    p.id = service_ids_.Allocate();
    if (p.id == 0) return absl::ResourceExhaustedError(absl::StrCat("no id left for ", key));
    if (auto s = engine_->NameService(p.id, key); !s.ok()) return s;
  }

  // Backends of this family, numbered (existing ones keep their ids).
  std::vector<NumberedBackend> numbered;
  BackendMap backends;
  for (const Backend& b : port.backends) {
    if (b.address.family() != family) continue;
    BackendKey bk{b.address, b.port};
    if (backends.contains(bk)) continue;
    auto old = p.backends.find(bk);
    uint32_t id = old != p.backends.end() ? old->second.first : backend_ids_.Allocate();
    if (id == 0)
      return absl::ResourceExhaustedError(absl::StrCat("no id left for a backend of ", key));
    lb_backend v{};
    v.addr = b.address.ToAbi();
    v.port = htons(b.port);
    v.family = b.address.abi_family();
    v.flags = (b.node_local ? LB_BE_F_LOCAL : 0) | (b.terminating ? LB_BE_F_TERMINATING : 0);
    v.service_id = p.id;
    backends[bk] = {id, v};
    numbered.push_back({id, &b});
  }
  // Tables follow address order, not the order endpoints were listed in, so
  // that every agent builds the same tables from the same endpoints.
  std::sort(numbered.begin(), numbered.end(),
            [](const NumberedBackend& a, const NumberedBackend& b) {
              return std::tie(a.backend->address, a.backend->port) <
                     std::tie(b.backend->address, b.backend->port);
            });
  auto tables = BuildServiceTables(port, numbered);
  if (!tables.ok()) return tables.status();
  for (int scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
    uint8_t flag = scope == LB_SCOPE_LOCAL ? LB_BE_F_SELECTABLE_LOCAL : LB_BE_F_SELECTABLE_CLUSTER;
    for (size_t i : UsableBackends(numbered, static_cast<lb_table_scope>(scope))) {
      BackendKey bk{numbered[i].backend->address, numbered[i].backend->port};
      backends[bk].second.flags |= flag;
    }
  }

  // 1. Backends first, so that new tables never name a missing backend.
  for (auto& [bk, be] : backends) {
    auto old = p.backends.find(bk);
    if (old != p.backends.end() && SameBytes(&old->second.second, &be.second, sizeof(lb_backend)))
      continue;
    if (auto s = engine_->UpsertBackend(be.first, be.second); !s.ok()) return s;
  }
  // 2. The service and its tables, as a new generation when anything changed.
  lb_service v{};
  v.algorithm = static_cast<uint8_t>(port.algorithm);
  v.flags = port.session_affinity ? LB_SVC_F_AFFINITY : 0;
  v.affinity_timeout_s = port.affinity_timeout_s;
  for (int scope = 0; scope < LB_SCOPE_COUNT; ++scope)
    v.table_size[scope] = static_cast<uint32_t>((*tables)[scope].size());
  v.gen = p.value.gen;
  if (is_new || !SameBytes(&v, &p.value, sizeof(v)) || *tables != p.tables) {
    if (!is_new) v.gen = p.value.gen ^ 1;
    if (auto s = engine_->UpsertService(p.id, v, *tables); !s.ok()) return s;
    p.value = v;
    p.tables = std::move(*tables);
  }
  next_backends = std::move(backends);
  return absl::OkStatus();
}

absl::Status ServiceTable::ApplyFrontends(
    const std::string& key, const ServicePort& port, IpFamily family, BackendMap& backends,
    std::map<std::string, std::pair<lb_frontend_key, lb_frontend_value>>& claimed) {
  Programmed& p = programmed_[key];
  // 3. Frontends.
  std::map<std::string, std::pair<lb_frontend_key, lb_frontend_value>> frontends;
  for (const Frontend& f : port.frontends) {
    IpFamily ffam = f.address ? f.address->family() : f.family;
    if (ffam != family) continue;
    lb_frontend_key k = FrontendKey(f, family);
    std::string kb = KeyBytes(&k, sizeof(k));
    lb_frontend_value fv{};
    fv.service_id = p.id;
    fv.kind = static_cast<uint8_t>(f.kind);
    fv.flags = FrontendFlags(port, f.kind);
    if (auto c = claimed.find(kb); c != claimed.end() && c->second.second.service_id != p.id) {
      stats_.frontend_conflicts++;
      continue;
    }
    claimed[kb] = {k, fv};
    frontends[kb] = {k, fv};
  }
  for (auto& [kb, fe] : frontends) {
    auto old = p.frontends.find(kb);
    if (old != p.frontends.end() &&
        SameBytes(&old->second.second, &fe.second, sizeof(lb_frontend_value)))
      continue;
    if (auto s = engine_->UpsertFrontend(fe.first, fe.second); !s.ok()) return s;
  }
  for (auto& [kb, fe] : p.frontends) {
    if (frontends.contains(kb)) continue;
    if (auto s = engine_->DeleteFrontend(fe.first); !s.ok()) return s;
  }
  p.frontends = std::move(frontends);
  // 4. Backends that left: after the tables stopped naming them.
  for (auto& [bk, be] : p.backends) {
    if (backends.contains(bk)) continue;
    if (auto s = RemoveBackend(be.first); !s.ok()) return s;
  }
  p.backends = std::move(backends);
  return absl::OkStatus();
}

absl::Status ServiceTable::Apply(const std::vector<ServicePort>& ports) {
  std::map<std::string, std::pair<lb_frontend_key, lb_frontend_value>> claimed;
  std::set<std::string> wanted;
  std::map<std::string, IpAddress> markers;
  std::map<std::string, BackendMap> next;  // per key: its backends as ApplyTables numbered them
  stats_.frontend_conflicts = 0;
  for (const ServicePort& port : ports) {
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      bool has_frontend = false;
      for (const Frontend& f : port.frontends) {
        if ((f.address ? f.address->family() : f.family) != family) continue;
        has_frontend = true;
        if (f.address) {
          lb_frontend_key mk = MarkerKey(*f.address);
          markers.emplace(KeyBytes(&mk, sizeof(mk)), *f.address);
        }
      }
      if (!has_frontend) continue;
      std::string key = absl::StrCat(port.name, family == IpFamily::kV4 ? "/v4" : "/v6");
      if (!wanted.insert(key).second)
        return absl::InvalidArgumentError(absl::StrCat("service port ", port.name, " twice"));
      if (auto s = ApplyTables(key, port, family, next[key]); !s.ok()) return s;
    }
  }
  // Every service's tables in place (in one batch where the engine can),
  // then the frontends that name them.
  if (auto s = engine_->Commit(); !s.ok()) return s;
  for (const ServicePort& port : ports) {
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      std::string key = absl::StrCat(port.name, family == IpFamily::kV4 ? "/v4" : "/v6");
      auto it = next.find(key);
      if (it == next.end()) continue;
      if (auto s = ApplyFrontends(key, port, family, it->second, claimed); !s.ok()) return s;
    }
  }
  std::vector<std::string> gone;
  for (auto& [key, p] : programmed_)
    if (!wanted.contains(key)) gone.push_back(key);
  for (const std::string& key : gone)
    if (auto s = Remove(key); !s.ok()) return s;
  if (auto s = engine_->Commit(); !s.ok()) return s;
  // Address markers: a later fragment to one of these without a known first
  // fragment is dropped rather than passed (see lb_core.h).
  for (auto& [kb, addr] : markers) {
    if (markers_.contains(kb)) continue;
    lb_frontend_value none{};
    if (auto s = engine_->UpsertFrontend(MarkerKey(addr), none); !s.ok()) return s;
  }
  for (const std::string& kb : markers_) {
    if (markers.contains(kb)) continue;
    lb_frontend_key k;
    std::memcpy(&k, kb.data(), sizeof(k));
    if (auto s = engine_->DeleteFrontend(k); !s.ok()) return s;
  }
  markers_.clear();
  for (auto& [kb, addr] : markers) markers_.insert(kb);
  if (auto s = engine_->Commit(); !s.ok()) return s;

  stats_.services = programmed_.size();
  stats_.frontends = 0;
  stats_.backends = 0;
  for (auto& [key, p] : programmed_) {
    stats_.frontends += p.frontends.size();
    stats_.backends += p.backends.size();
  }
  return absl::OkStatus();
}

}  // namespace sluice
