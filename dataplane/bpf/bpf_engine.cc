#include "dataplane/bpf/bpf_engine.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "dataplane/abi/lb_abi_check.h"
#include "dataplane/bpf/ct4_table.h"
#include "dataplane/bpf/map_reader.h"
#include "lb_sock.skel.h"
#include "lb_tc.skel.h"
#include "lb_xdp.skel.h"

namespace sluice {
namespace {

absl::Status Errno(const std::string& what, int err) {
  return absl::ErrnoToStatus(err, what);
}

// libbpf calls return -errno (or set errno and return -1, by version).
absl::Status Check(int rc, const std::string& what) {
  if (rc >= 0) return absl::OkStatus();
  return Errno(what, rc == -1 ? errno : -rc);
}

int Fd(bpf_map* m) {
  return bpf_map__fd(m);
}

// Deletes every key of a hash map, a batch at a time.
absl::Status ClearHash(bpf_map* map) {
  const uint32_t kBatch = 4096;
  size_t ksize = bpf_map__key_size(map), vsize = bpf_map__value_size(map);
  std::vector<uint8_t> keys(ksize * kBatch), values(vsize * kBatch);
  uint64_t in = 0, out = 0;
  bool first = true;
  for (;;) {
    uint32_t count = kBatch;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int rc = bpf_map_lookup_and_delete_batch(Fd(map), first ? nullptr : &in, &out, keys.data(),
                                             values.data(), &count, &opts);
    first = false;
    int err = rc < 0 ? (rc == -1 ? errno : -rc) : 0;
    if (err == ENOENT) return absl::OkStatus();  // the last batch (count may be > 0)
    if (err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP) break;  // no batch ops: one by one
    if (err) return Errno(absl::StrCat("clearing ", bpf_map__name(map)), err);
    in = out;
  }
  std::vector<uint8_t> key(ksize), next(ksize);
  while (bpf_map_get_next_key(Fd(map), nullptr, next.data()) == 0)
    if (bpf_map_delete_elem(Fd(map), next.data()) != 0)
      return Errno(absl::StrCat("clearing ", bpf_map__name(map)), errno);
  return absl::OkStatus();
}

// Zeroes every slot of an array map, in one batched update (per-CPU arrays
// need a value per CPU).
absl::Status ClearArray(bpf_map* map, int ncpus) {
  size_t vsize = bpf_map__value_size(map);
  if (bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY) vsize = (vsize + 7) / 8 * 8 * ncpus;
  uint32_t n = bpf_map__max_entries(map);
  std::vector<uint32_t> keys(n);
  for (uint32_t i = 0; i < n; ++i) keys[i] = i;
  std::vector<uint8_t> zeros(vsize * n, 0);
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
  return Check(bpf_map_update_batch(Fd(map), keys.data(), zeros.data(), &n, &opts), "zero array");
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpfEngine>> BpfEngine::Create(const BpfEngineOptions& options) {
  std::unique_ptr<BpfEngine> e(new BpfEngine());
  e->ncpus_ = libbpf_num_possible_cpus();
  if (e->ncpus_ <= 0) return Errno("libbpf_num_possible_cpus", -e->ncpus_);
  e->skel_ = lb_xdp__open();
  if (!e->skel_) return Errno("opening the XDP object", errno);
  if (!options.pin_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.pin_dir, ec);
    if (ec) return absl::InternalError(absl::StrCat(options.pin_dir, ": ", ec.message()));
    bpf_map* map;
    bpf_object__for_each_map(map, e->skel_->obj) {
      // Data sections (.rodata, .bss) stay private to this load.
      if (bpf_map__is_internal(map)) continue;
      std::string path = options.pin_dir + "/" + bpf_map__name(map);
      if (auto s = Check(bpf_map__set_pin_path(map, path.c_str()), path); !s.ok()) return s;
    }
  }
  if (int rc = lb_xdp__load(e->skel_); rc != 0)
    return Errno("loading the XDP programs (is this root, with BPF enabled?)",
                 rc == -1 ? errno : -rc);
  // The socket programs use the very same maps.
  e->sock_ = lb_sock__open();
  if (!e->sock_) return Errno("opening the socket programs", errno);
  if (auto s = e->ShareMaps(e->sock_->obj); !s.ok()) return s;
  if (int rc = lb_sock__load(e->sock_); rc != 0)
    return Errno("loading the socket programs", rc == -1 ? errno : -rc);
  e->tc_ = lb_tc__open();
  if (!e->tc_) return Errno("opening the tc programs", errno);
  if (auto s = e->ShareMaps(e->tc_->obj); !s.ok()) return s;
  if (int rc = lb_tc__load(e->tc_); rc != 0)
    return Errno("loading the tc programs", rc == -1 ? errno : -rc);
  if (auto s = e->SyncClock(); !s.ok()) return s;
  // Pinned maps from an earlier run: count their frontends' ports again.
  auto state = ReadMapState(e->Fds());
  if (!state.ok()) return state.status();
  for (const auto& [k, v] : state->frontends) e->port_refs_[ntohs(k.port)]++;
  for (const auto& [id, b] : state->backends) {
    e->backend_ports_[id] = ntohs(b.port);
    e->backend_port_refs_[ntohs(b.port)]++;
  }
  return e;
}

absl::Status BpfEngine::ShareMaps(bpf_object* object) const {
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__is_internal(map)) continue;
    bpf_map* same = bpf_object__find_map_by_name(skel_->obj, bpf_map__name(map));
    if (!same) return absl::InternalError(absl::StrCat("map ", bpf_map__name(map), " unknown"));
    if (auto s = Check(bpf_map__reuse_fd(map, bpf_map__fd(same)), bpf_map__name(map)); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

BpfEngine::~BpfEngine() {
  for (const auto& [key, entry] : pending_tables_)
    if (entry.second >= 0) close(entry.second);
  if (tc_) lb_tc__destroy(tc_);
  if (sock_) lb_sock__destroy(sock_);
  if (skel_) lb_xdp__destroy(skel_);
}

std::vector<BpfEngine::SocketProgram> BpfEngine::SocketPrograms() const {
  auto fd = [](bpf_program* p) { return bpf_program__fd(p); };
  return {
      {fd(sock_->progs.lb_connect4), BPF_CGROUP_INET4_CONNECT, "connect4"},
      {fd(sock_->progs.lb_connect6), BPF_CGROUP_INET6_CONNECT, "connect6"},
      {fd(sock_->progs.lb_sendmsg4), BPF_CGROUP_UDP4_SENDMSG, "sendmsg4"},
      {fd(sock_->progs.lb_sendmsg6), BPF_CGROUP_UDP6_SENDMSG, "sendmsg6"},
      {fd(sock_->progs.lb_recvmsg4), BPF_CGROUP_UDP4_RECVMSG, "recvmsg4"},
      {fd(sock_->progs.lb_recvmsg6), BPF_CGROUP_UDP6_RECVMSG, "recvmsg6"},
      {fd(sock_->progs.lb_getpeername4), BPF_CGROUP_INET4_GETPEERNAME, "getpeername4"},
      {fd(sock_->progs.lb_getpeername6), BPF_CGROUP_INET6_GETPEERNAME, "getpeername6"},
  };
}

int BpfEngine::ProgramFd(lb_hook hook) const {
  return bpf_program__fd(hook == LB_HOOK_LOCAL ? skel_->progs.lb_xdp_local
                                               : skel_->progs.lb_xdp_external);
}

int BpfEngine::TcProgramFd(TcProgram program) const {
  switch (program) {
    case TcProgram::kIngressLocal:
      return bpf_program__fd(tc_->progs.lb_tc_local);
    case TcProgram::kEgress:
      return bpf_program__fd(tc_->progs.lb_tc_egress);
    default:
      return bpf_program__fd(tc_->progs.lb_tc_external);
  }
}

absl::Status BpfEngine::SetConfig(const lb_config& config) {
  if (auto s = Commit(); !s.ok()) return s;
  uint32_t k = 0;
  return Check(bpf_map_update_elem(Fd(skel_->maps.lb_config), &k, &config, BPF_ANY), "lb_config");
}

absl::Status BpfEngine::AddNodeAddress(const lb_node_addr_key& key) {
  uint8_t one = 1;
  return Check(bpf_map_update_elem(Fd(skel_->maps.lb_node_addrs), &key, &one, BPF_ANY),
               "lb_node_addrs");
}

absl::Status BpfEngine::RemoveNodeAddress(const lb_node_addr_key& key) {
  return Check(bpf_map_delete_elem(Fd(skel_->maps.lb_node_addrs), &key), "lb_node_addrs");
}

absl::Status BpfEngine::UpsertFrontend(const lb_frontend_key& key, const lb_frontend_value& value) {
  // A frontend names its service: the service must be in place first.
  if (auto s = Commit(); !s.ok()) return s;
  lb_frontend_value old;
  bool existed = bpf_map_lookup_elem(Fd(skel_->maps.lb_frontends), &key, &old) == 0;
  if (auto s = Check(bpf_map_update_elem(Fd(skel_->maps.lb_frontends), &key, &value, BPF_ANY),
                     "lb_frontends");
      !s.ok())
    return s;
  if (!existed && port_refs_[ntohs(key.port)]++ == 0) return WritePortFlags(ntohs(key.port));
  return absl::OkStatus();
}

absl::Status BpfEngine::WritePortFlags(uint16_t port) {
  uint32_t k = port;
  uint32_t v = (port_refs_.contains(port) ? LB_PORT_F_FRONTEND : 0) |
               (backend_port_refs_.contains(port) ? LB_PORT_F_BACKEND : 0);
  return Check(bpf_map_update_elem(Fd(skel_->maps.lb_ports), &k, &v, BPF_ANY), "lb_ports");
}

absl::Status BpfEngine::ReleaseBackendPort(uint32_t id) {
  auto it = backend_ports_.find(id);
  if (it == backend_ports_.end()) return absl::OkStatus();
  uint16_t port = it->second;
  backend_ports_.erase(it);
  if (--backend_port_refs_[port] > 0) return absl::OkStatus();
  backend_port_refs_.erase(port);
  return WritePortFlags(port);
}

absl::Status BpfEngine::SetBackendAlive(uint32_t id, bool alive) {
  uint32_t v = alive ? 1 : 0;
  return Check(bpf_map_update_elem(Fd(skel_->maps.lb_backend_alive), &id, &v, BPF_ANY),
               "lb_backend_alive");
}

absl::Status BpfEngine::DeleteFrontend(const lb_frontend_key& key) {
  if (auto s = Commit(); !s.ok()) return s;
  if (auto s = Check(bpf_map_delete_elem(Fd(skel_->maps.lb_frontends), &key), "lb_frontends");
      !s.ok())
    return s;
  uint16_t port = ntohs(key.port);
  if (--port_refs_[port] <= 0) {
    port_refs_.erase(port);
    return WritePortFlags(port);
  }
  return absl::OkStatus();
}

absl::Status BpfEngine::UpsertBackend(uint32_t id, const lb_backend& backend) {
  if (id == 0 || id >= LB_MAX_BACKEND_IDS)
    return absl::InvalidArgumentError(absl::StrCat("backend id ", id, " out of range"));
  if (auto s = Check(bpf_map_update_elem(Fd(skel_->maps.lb_backends), &id, &backend, BPF_ANY),
                     "lb_backends");
      !s.ok())
    return s;
  // Replies come from the backend's port: count it before the first flow can.
  uint16_t port = ntohs(backend.port);
  if (auto it = backend_ports_.find(id); it == backend_ports_.end() || it->second != port) {
    if (auto s = ReleaseBackendPort(id); !s.ok()) return s;
    backend_ports_[id] = port;
    if (backend_port_refs_[port]++ == 0)
      if (auto s = WritePortFlags(port); !s.ok()) return s;
  }
  return SetBackendAlive(id, true);
}

absl::Status BpfEngine::DeleteBackend(uint32_t id) {
  // Tables that still name it must be replaced first.
  if (auto s = Commit(); !s.ok()) return s;
  // Dead first: a flow must not meet a half-removed backend.
  if (id < LB_MAX_BACKEND_IDS)
    if (auto s = SetBackendAlive(id, false); !s.ok()) return s;
  if (auto s = Check(bpf_map_delete_elem(Fd(skel_->maps.lb_backends), &id), "lb_backends"); !s.ok())
    return s;
  return ReleaseBackendPort(id);
}

void BpfEngine::QueueTable(const lb_table_ref& ref, int fd) {
  std::string key(reinterpret_cast<const char*>(&ref), sizeof(ref));
  auto [it, fresh] = pending_tables_.try_emplace(key, ref, fd);
  if (!fresh) {
    if (it->second.second >= 0) close(it->second.second);
    it->second.second = fd;
  }
}

absl::Status BpfEngine::UpsertService(uint32_t id, const lb_service& service,
                                      const ServiceTables& tables) {
  if (id == 0 || id >= LB_MAX_IDS)
    return absl::InvalidArgumentError(absl::StrCat("service id ", id));
  for (int scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
    const std::vector<uint32_t>& slots = tables[scope];
    if (slots.size() != service.table_size[scope])
      return absl::InvalidArgumentError("table size does not match the service value");
    lb_table_ref ref{};
    ref.service_id = id;
    ref.gen = service.gen;
    ref.scope = static_cast<uint8_t>(scope);
    if (slots.empty()) {
      QueueTable(ref, -1);
      continue;
    }
    // A new array of the table's size, filled in one batch; Commit() puts it
    // in place.
    LIBBPF_OPTS(bpf_map_create_opts, create, .map_flags = BPF_F_INNER_MAP);
    int table = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_table", sizeof(uint32_t), sizeof(uint32_t),
                               static_cast<uint32_t>(slots.size()), &create);
    if (table < 0)
      return Errno(absl::StrCat("creating a table of ", slots.size(), " slots"), errno);
    std::vector<uint32_t> keys(slots.size());
    for (uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
    uint32_t count = static_cast<uint32_t>(keys.size());
    LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
    if (auto s = Check(bpf_map_update_batch(table, keys.data(), slots.data(), &count, &opts),
                       "filling a table");
        !s.ok()) {
      close(table);
      return s;
    }
    QueueTable(ref, table);
  }
  // The switch, after the tables: one write of the service value names the
  // new generation.
  pending_services_[id] = service;
  // Each held table is an open descriptor: stay well below the usual limit
  // of 1,024.
  constexpr size_t kMaxHeldTables = 512;
  if (pending_tables_.size() >= kMaxHeldTables) return Commit();
  return absl::OkStatus();
}

absl::Status BpfEngine::Commit() {
  int tables = Fd(skel_->maps.lb_tables);
  std::vector<lb_table_ref> put, gone;
  std::vector<uint32_t> fds;
  for (const auto& [key, entry] : pending_tables_) {
    if (entry.second >= 0) {
      put.push_back(entry.first);
      fds.push_back(static_cast<uint32_t>(entry.second));
    } else if (uint32_t inner; bpf_map_lookup_elem(tables, &entry.first, &inner) == 0) {
      gone.push_back(entry.first);  // only what is there: a delete waits even for nothing
    }
  }
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
  absl::Status s;
  if (!put.empty()) {
    uint32_t n = static_cast<uint32_t>(put.size());
    s = Check(bpf_map_update_batch(tables, put.data(), fds.data(), &n, &opts), "lb_tables");
  }
  for (const auto& [key, entry] : pending_tables_)
    if (entry.second >= 0) close(entry.second);  // the hash of maps holds them now
  pending_tables_.clear();
  if (!s.ok()) {
    pending_services_.clear();
    return s;
  }
  if (!pending_services_.empty()) {
    std::vector<uint32_t> ids;
    std::vector<lb_service> values;
    for (const auto& [id, v] : pending_services_) {
      ids.push_back(id);
      values.push_back(v);
    }
    pending_services_.clear();
    uint32_t n = static_cast<uint32_t>(ids.size());
    if (s = Check(
            bpf_map_update_batch(Fd(skel_->maps.lb_services), ids.data(), values.data(), &n, &opts),
            "lb_services");
        !s.ok())
      return s;
  }
  if (!gone.empty()) {
    uint32_t n = static_cast<uint32_t>(gone.size());
    LIBBPF_OPTS(bpf_map_batch_opts, del);
    s = Check(bpf_map_delete_batch(tables, gone.data(), &n, &del), "lb_tables");
  }
  return s;
}

absl::Status BpfEngine::DeleteService(uint32_t id) {
  pending_services_.erase(id);
  bpf_map_delete_elem(Fd(skel_->maps.lb_service_names), &id);
  if (auto s = Check(bpf_map_delete_elem(Fd(skel_->maps.lb_services), &id), "lb_services"); !s.ok())
    return s;
  // Its tables go with the next Commit(), in one batch with the others'.
  for (uint8_t gen = 0; gen < 2; ++gen) {
    for (uint8_t scope = 0; scope < LB_SCOPE_COUNT; ++scope) {
      lb_table_ref ref{};
      ref.service_id = id;
      ref.gen = gen;
      ref.scope = scope;
      QueueTable(ref, -1);
    }
  }
  uint32_t zero = 0;
  bpf_map_update_elem(Fd(skel_->maps.lb_rr), &id, &zero, BPF_ANY);
  return absl::OkStatus();
}

absl::Status BpfEngine::NameService(uint32_t id, const std::string& name) {
  lb_service_name v{};
  std::strncpy(v.name, name.c_str(), sizeof(v.name) - 1);
  return Check(bpf_map_update_elem(Fd(skel_->maps.lb_service_names), &id, &v, BPF_ANY),
               "lb_service_names");
}

absl::StatusOr<EngineState> BpfEngine::ReadState() const {
  return ReadMapState(Fds());
}

MapFds BpfEngine::Fds() const {
  MapFds m;
  m.services = Fd(skel_->maps.lb_services);
  m.service_names = Fd(skel_->maps.lb_service_names);
  m.backends = Fd(skel_->maps.lb_backends);
  m.frontends = Fd(skel_->maps.lb_frontends);
  m.node_addrs = Fd(skel_->maps.lb_node_addrs);
  m.tables = Fd(skel_->maps.lb_tables);
  m.ct4 = Fd(skel_->maps.lb_ct4_buckets);
  m.ct6 = Fd(skel_->maps.lb_ct6);
  m.counters = Fd(skel_->maps.lb_counters);
  m.ncpus = ncpus_;
  return m;
}

absl::StatusOr<size_t> BpfEngine::FlushConntrack(const ConntrackMatch& match) {
  return DeleteConntrackIf(Fds(), match);
}

absl::StatusOr<Ct4Table> BpfEngine::MapCt4Table() const {
  return Ct4Table::Map(Fd(skel_->maps.lb_ct4_buckets));
}

std::vector<uint64_t> BpfEngine::Counters() const {
  return ReadCounters(Fds());
}

absl::StatusOr<lb_result> BpfEngine::RunOnce(int fd, std::vector<uint8_t>& frame,
                                             uint32_t (*action)(uint8_t verdict)) {
  if (auto s = Commit(); !s.ok()) return s;
  std::vector<uint64_t> before = Counters();
  std::vector<uint8_t> out(frame.size() + 512);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<uint32_t>(frame.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<uint32_t>(out.size());
  opts.repeat = 1;
  if (auto s = Check(bpf_prog_test_run_opts(fd, &opts), "BPF_PROG_TEST_RUN"); !s.ok()) return s;
  std::vector<uint64_t> after = Counters();
  lb_result r{};
  auto grew = [&](uint32_t slot) { return after[slot] > before[slot]; };
  if (grew(LB_CNT_FORWARD))
    r.verdict = LB_VERDICT_FORWARD;
  else if (grew(LB_CNT_REJECT))
    r.verdict = LB_VERDICT_REJECT;
  else if (grew(LB_CNT_DROP))
    r.verdict = LB_VERDICT_DROP;
  else
    r.verdict = LB_VERDICT_PASS;
  for (uint32_t reason = 1; reason < LB_DROP_REASON_COUNT; ++reason)
    if (grew(LB_CNT_DROP_BASE + reason)) r.reason = static_cast<uint8_t>(reason);
  // The program's own action must agree with the verdict it counted.
  if (opts.retval != action(r.verdict))
    return absl::InternalError(
        absl::StrCat("program action ", opts.retval, " for verdict ", r.verdict));
  if (r.verdict != LB_VERDICT_DROP) frame.assign(out.begin(), out.begin() + opts.data_size_out);
  return r;
}

absl::StatusOr<lb_result> BpfEngine::TestRun(std::vector<uint8_t>& frame, lb_hook hook) {
  return RunOnce(ProgramFd(hook), frame, [](uint8_t verdict) -> uint32_t {
    return verdict == LB_VERDICT_DROP ? XDP_DROP : verdict == LB_VERDICT_REJECT ? XDP_TX : XDP_PASS;
  });
}

absl::StatusOr<lb_result> BpfEngine::TestRunTc(std::vector<uint8_t>& frame, TcProgram program) {
  return RunOnce(TcProgramFd(program), frame, [](uint8_t verdict) -> uint32_t {
    return verdict == LB_VERDICT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
  });
}

absl::Status BpfEngine::ResetMaps() {
  for (const auto& [key, entry] : pending_tables_)
    if (entry.second >= 0) close(entry.second);
  pending_tables_.clear();
  pending_services_.clear();
  for (bpf_map* m :
       {skel_->maps.lb_node_addrs, skel_->maps.lb_frontends, skel_->maps.lb_services,
        skel_->maps.lb_service_names, skel_->maps.lb_sock_rev, skel_->maps.lb_tables,
        skel_->maps.lb_backends, skel_->maps.lb_affinity, skel_->maps.lb_ct6, skel_->maps.lb_frags})
    if (auto s = ClearHash(m); !s.ok()) return s;
  for (bpf_map* m : {skel_->maps.lb_config, skel_->maps.lb_rr, skel_->maps.lb_counters,
                     skel_->maps.lb_ports, skel_->maps.lb_backend_alive})
    if (auto s = ClearArray(m, ncpus_); !s.ok()) return s;
  auto ct4 = MapCt4Table();
  if (!ct4.ok()) return ct4.status();
  ct4->Clear();
  port_refs_.clear();
  backend_port_refs_.clear();
  backend_ports_.clear();
  if (auto s = SyncClock(); !s.ok()) return s;
  return absl::OkStatus();
}

void BpfEngine::EnableRedirect(bool on) {
  skel_->bss->lb_xdp_redirect = on ? 1 : 0;
  tc_->bss->lb_tc_redirect = on ? 1 : 0;
}

uint64_t BpfEngine::ClockNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

absl::Status BpfEngine::SyncClock() {
  uint8_t frame[64] = {};
  LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame));
  if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.lb_clock_sync), &run) != 0)
    return Errno("running the clock sync program", errno);
  if (run.retval != XDP_DROP) return absl::InternalError("the clock sync program failed");
  return absl::OkStatus();
}

void BpfEngine::AdvanceClock(uint64_t ns) {
  uint32_t k = 0;
  lb_clock c{};
  if (bpf_map_lookup_elem(Fd(skel_->maps.lb_clock), &k, &c) != 0) return;
  c.offset_ns += ns;
  bpf_map_update_elem(Fd(skel_->maps.lb_clock), &k, &c, BPF_ANY);
}

}  // namespace sluice
