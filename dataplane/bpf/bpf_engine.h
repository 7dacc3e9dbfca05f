// The BPF engine: loads the XDP programs built from the packet core (bpf/),
// owns their maps (pinned under bpffs when asked, so that a restarted agent
// adopts them and flows survive) and programs them through the Engine
// interface. Attaching to interfaces is the agent's business, not this class's.
#ifndef SLUICE_DATAPLANE_BPF_BPF_ENGINE_H_
#define SLUICE_DATAPLANE_BPF_BPF_ENGINE_H_

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/bpf/ct4_table.h"
#include "dataplane/bpf/map_reader.h"
#include "dataplane/engine.h"

struct bpf_object;
struct lb_xdp;
struct lb_sock;
struct lb_tc;

namespace sluice {

struct BpfEngineOptions {
  // Directory under bpffs to pin the maps in (e.g. /sys/fs/bpf/sluice/node-a);
  // empty: nothing is pinned and everything goes when the engine does.
  std::string pin_dir;
};

class BpfEngine : public Engine {
 public:
  static absl::StatusOr<std::unique_ptr<BpfEngine>> Create(const BpfEngineOptions& options);
  ~BpfEngine() override;

  absl::Status SetConfig(const lb_config& config) override;
  absl::Status AddNodeAddress(const lb_node_addr_key& key) override;
  absl::Status RemoveNodeAddress(const lb_node_addr_key& key) override;
  absl::Status UpsertFrontend(const lb_frontend_key& key, const lb_frontend_value& value) override;
  absl::Status DeleteFrontend(const lb_frontend_key& key) override;
  absl::Status UpsertBackend(uint32_t id, const lb_backend& backend) override;
  absl::Status DeleteBackend(uint32_t id) override;
  absl::Status UpsertService(uint32_t id, const lb_service& service,
                             const ServiceTables& tables) override;
  absl::Status DeleteService(uint32_t id) override;
  // Table arrays go into the hash of maps, and out of it, in one batch each:
  // every write of a hash of maps waits for an RCU grace period (about 10 ms
  // here), once per syscall.
  absl::Status Commit() override;
  absl::Status NameService(uint32_t id, const std::string& name) override;
  absl::StatusOr<EngineState> ReadState() const override;
  absl::StatusOr<size_t> FlushConntrack(const ConntrackMatch& match) override;
  std::vector<uint64_t> Counters() const override;

  // The XDP program for traffic entering at `hook`.
  int ProgramFd(lb_hook hook) const;

  // The tc programs (bpf/lb_tc.c): ingress at an external interface or a
  // pod's veth, and egress at an external interface (the node's own traffic).
  enum class TcProgram { kIngressExternal, kIngressLocal, kEgress };
  int TcProgramFd(TcProgram program) const;

  // The cgroup socket programs (socket load balancing), each with its attach
  // type (enum bpf_attach_type) and a name for its pinned link.
  struct SocketProgram {
    int fd;
    int attach_type;
    std::string name;
  };
  std::vector<SocketProgram> SocketPrograms() const;

  // Makes `object` (another program object declaring bpf/lb_maps.h's maps,
  // opened but not loaded) use this engine's maps.
  absl::Status ShareMaps(bpf_object* object) const;

  // Runs one frame through the program with BPF_PROG_TEST_RUN. The verdict
  // and drop reason are read from the counters the program keeps.
  absl::StatusOr<lb_result> TestRun(std::vector<uint8_t>& frame, lb_hook hook);
  // The same through a tc program.
  absl::StatusOr<lb_result> TestRunTc(std::vector<uint8_t>& frame, TcProgram program);

  // Empties every map (tests reuse one loaded engine).
  absl::Status ResetMaps();
  // Forward translated packets by FIB lookup and redirect (on a node) rather
  // than up the stack; off by default and in tests.
  void EnableRedirect(bool on);
  // The programs' clock now (lb_now_ns: jiffies set to read
  // CLOCK_MONOTONIC_COARSE), as conntrack and affinity expiry times are kept.
  static uint64_t ClockNs();
  // Moves the programs' clock forward (tests of timeouts).
  void AdvanceClock(uint64_t ns);
  // Sets the programs' clock to read ClockNs() (offset 0); see struct lb_clock.
  absl::Status SyncClock();
  // The IPv4 conntrack table, mapped (tests and tools read its buckets).
  absl::StatusOr<Ct4Table> MapCt4Table() const;

 private:
  BpfEngine() = default;
  MapFds Fds() const;
  // Runs `fd` on `frame` once; the verdict comes from the counters and must
  // agree with the program's return value, `action(verdict)`.
  absl::StatusOr<lb_result> RunOnce(int fd, std::vector<uint8_t>& frame,
                                    uint32_t (*action)(uint8_t verdict));

  lb_xdp* skel_ = nullptr;
  lb_sock* sock_ = nullptr;  // shares skel_'s maps
  lb_tc* tc_ = nullptr;      // shares skel_'s maps
  // Held by UpsertService/DeleteService until Commit(): table arrays to put
  // in place (an owned fd) or to remove (-1), and service values to write
  // after them.
  std::map<std::string, std::pair<lb_table_ref, int>> pending_tables_;
  std::map<uint32_t, lb_service> pending_services_;
  void QueueTable(const lb_table_ref& ref, int fd);
  int ncpus_ = 1;
  std::map<uint16_t, int> port_refs_;           // frontends per destination port: lb_ports
  std::map<uint16_t, int> backend_port_refs_;   // backends per port: lb_ports
  std::map<uint32_t, uint16_t> backend_ports_;  // backend id -> its port (host order)
  // Writes lb_ports[port] from the two reference counts.
  absl::Status WritePortFlags(uint16_t port);
  absl::Status ReleaseBackendPort(uint32_t id);
  absl::Status SetBackendAlive(uint32_t id, bool alive);
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_BPF_BPF_ENGINE_H_
