// The service table turns the desired services (service_model.h) into map
// entries and keeps an Engine in step with them, changing only what differs
// from the last Apply. It owns the Kubernetes endpoint rules that are about
// choosing backends:
//   - a service is programmed once per IP family it has frontends in;
//   - usable backends are the ready ones; when none is ready, the serving
//     terminating ones (kube-proxy's fallback since Kubernetes 1.26);
//   - the node-local table holds the usable backends on this node, for
//     frontends under externalTrafficPolicy / internalTrafficPolicy Local;
//   - a backend that leaves a service has its UDP conntrack entries flushed,
//     as kube-proxy does, so that UDP flows move to a live backend.
#ifndef SLUICE_DATAPLANE_SERVICE_TABLE_H_
#define SLUICE_DATAPLANE_SERVICE_TABLE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/engine.h"
#include "dataplane/service_model.h"

namespace sluice {

// Node-wide settings with the defaults a kube-proxy user expects.
struct NodeConfig {
  std::vector<IpAddress> node_addresses;  // first of each family is the SNAT source
  uint16_t nodeport_min = 30000;
  uint16_t nodeport_max = 32767;
  uint16_t snat_port_min = 32768;  // Linux's ephemeral range start; never the NodePort range
  uint16_t snat_port_max = 60999;
  uint32_t tcp_syn_timeout_s = 60;
  uint32_t tcp_established_timeout_s = 6 * 3600;
  uint32_t tcp_closing_timeout_s = 10;
  uint32_t udp_timeout_s = 60;
  uint32_t frag_timeout_s = 30;
};

// Checks the settings (SNAT ports outside the NodePort range, an address per
// family) and gives the ABI value.
absl::StatusOr<lb_config> MakeLbConfig(const NodeConfig& node);

class ServiceTable {
 public:
  explicit ServiceTable(Engine* engine) : engine_(engine) {}

  // Programs config and node addresses (NodePort listens on these).
  absl::Status SetNode(const NodeConfig& node);

  // Takes over what an engine already holds (maps pinned by an earlier run):
  // services keep their ids, backends theirs, so that established flows keep
  // going. Entries that belong to nothing are deleted. Call before Apply.
  absl::Status Adopt();

  // Makes the engine implement exactly `ports`.
  absl::Status Apply(const std::vector<ServicePort>& ports);

  struct Stats {
    size_t services = 0;  // programmed (service port, family) pairs
    size_t frontends = 0;
    size_t backends = 0;
    size_t frontend_conflicts = 0;  // frontends claimed by two services (the first kept)
    size_t conntrack_flushed = 0;
  };
  const Stats& stats() const { return stats_; }

  // The id a service port got for a family, 0 if not programmed.
  uint32_t ServiceId(const std::string& name, IpFamily family) const;

 private:
  struct BackendKey {
    IpAddress address;
    uint16_t port;
    auto operator<=>(const BackendKey&) const = default;
  };
  struct Programmed {
    uint32_t id = 0;
    lb_service value{};
    ServiceTables tables;
    std::map<BackendKey, std::pair<uint32_t, lb_backend>> backends;
    std::map<std::string, std::pair<lb_frontend_key, lb_frontend_value>> frontends;
  };

  using BackendMap = std::map<BackendKey, std::pair<uint32_t, lb_backend>>;
  // Apply in two passes over every port: backends and tables first (the
  // engine may put all tables in place at once), then frontends and the
  // removal of backends that left.
  absl::Status ApplyTables(const std::string& key, const ServicePort& port, IpFamily family,
                           BackendMap& next_backends);
  absl::Status ApplyFrontends(
      const std::string& key, const ServicePort& port, IpFamily family, BackendMap& backends,
      std::map<std::string, std::pair<lb_frontend_key, lb_frontend_value>>& claimed);
  absl::Status Remove(const std::string& key);
  absl::Status RemoveBackend(uint32_t id);
  // Ids for services and for backends, each from 1, reused when freed.
  class IdPool {
   public:
    explicit IdPool(uint32_t limit) : limit_(limit) {}
    uint32_t Allocate();  // 0 when exhausted
    void Release(uint32_t id) { free_.push_back(id); }
    // After adoption: these ids are taken, every other one below them free.
    void Reset(const std::set<uint32_t>& taken);

   private:
    uint32_t limit_;
    uint32_t next_ = 1;
    std::vector<uint32_t> free_;
  };

  Engine* engine_;
  std::map<std::string, Programmed> programmed_;  // by "name/v4" | "name/v6"
  std::set<std::string> markers_;                 // frontend address markers programmed
  std::vector<IpAddress> node_addresses_;
  IdPool service_ids_{LB_MAX_IDS};  // index the round-robin array
  IdPool backend_ids_{LB_MAX_BACKEND_IDS};
  Stats stats_;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_SERVICE_TABLE_H_
