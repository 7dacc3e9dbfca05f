// The interface every dataplane engine implements (bpf, dpdk, reference):
// it owns the maps of dataplane/abi/lb_abi.h and runs the packet core.
// The service table programs an Engine; nothing here knows Kubernetes.
#ifndef SLUICE_DATAPLANE_ENGINE_H_
#define SLUICE_DATAPLANE_ENGINE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/abi/lb_abi.h"

namespace sluice {

// Backend ids of one service's tables, per enum lb_table_scope.
using ServiceTables = std::array<std::vector<uint32_t>, LB_SCOPE_COUNT>;

// What an engine holds, read back: how a restarted agent adopts the maps a
// previous run programmed (ids must not change under established flows).
struct EngineState {
  struct Service {
    uint32_t id;
    std::string name;
    lb_service value;
  };
  std::vector<Service> services;
  std::vector<std::pair<uint32_t, lb_backend>> backends;
  std::vector<std::pair<lb_frontend_key, lb_frontend_value>> frontends;
  std::vector<lb_node_addr_key> node_addresses;
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual absl::Status SetConfig(const lb_config& config) = 0;
  virtual absl::Status AddNodeAddress(const lb_node_addr_key& key) = 0;
  virtual absl::Status RemoveNodeAddress(const lb_node_addr_key& key) = 0;

  virtual absl::Status UpsertFrontend(const lb_frontend_key& key,
                                      const lb_frontend_value& value) = 0;
  virtual absl::Status DeleteFrontend(const lb_frontend_key& key) = 0;

  virtual absl::Status UpsertBackend(uint32_t id, const lb_backend& backend) = 0;
  virtual absl::Status DeleteBackend(uint32_t id) = 0;

  // Writes `tables` as generation `service.gen`, then the service value that
  // names it, so that packets switch from the old tables to the new at once.
  // An engine may hold the write until Commit() (or its next write of a
  // frontend, the config or a deletion), to put many services in place at
  // once; backends may be written before it.
  virtual absl::Status UpsertService(uint32_t id, const lb_service& service,
                                     const ServiceTables& tables) = 0;
  // Records a service id's name (metadata for adoption and tools).
  virtual absl::Status NameService(uint32_t id, const std::string& name) = 0;
  virtual absl::Status DeleteService(uint32_t id) = 0;
  // Puts every held service write in place.
  virtual absl::Status Commit() { return absl::OkStatus(); }

  // Deletes the conntrack entries for which `match` is true, judged on each
  // entry as it is just before its deletion; returns how many.
  using ConntrackMatch = std::function<bool(const lb_ct_key&, const lb_ct_entry&)>;
  virtual absl::StatusOr<size_t> FlushConntrack(const ConntrackMatch& match) = 0;

  // Counters by enum lb_counter slot, summed over CPUs.
  virtual std::vector<uint64_t> Counters() const = 0;

  virtual absl::StatusOr<EngineState> ReadState() const = 0;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_ENGINE_H_
