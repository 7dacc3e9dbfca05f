// The reference engine: the packet core natively, single-threaded and
// deterministic (time and randomness are the engine's own), with its maps in
// hash tables. It is the oracle the BPF and DPDK engines are compared with,
// and what `sluice replay` runs.
#ifndef SLUICE_DATAPLANE_REFERENCE_REFERENCE_ENGINE_H_
#define SLUICE_DATAPLANE_REFERENCE_REFERENCE_ENGINE_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "dataplane/abi/lb_abi_check.h"
#include "dataplane/engine.h"
#include "dataplane/reference/ref_env.h"

namespace sluice {

// Hash and equality of a map key by its bytes, as a BPF hash map sees it.
template <typename K>
struct PodKeyHash {
  size_t operator()(const K& k) const {
    return absl::HashOf(absl::string_view(reinterpret_cast<const char*>(&k), sizeof(K)));
  }
};
template <typename K>
struct PodKeyEq {
  bool operator()(const K& a, const K& b) const { return std::memcmp(&a, &b, sizeof(K)) == 0; }
};
// Pointer-stable, like map values the core holds while it looks up others.
template <typename K, typename V>
using PodMap = absl::node_hash_map<K, V, PodKeyHash<K>, PodKeyEq<K>>;

class ReferenceEngine : public Engine {
 public:
  ReferenceEngine();
  ~ReferenceEngine() override;

  // Engine.
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
  absl::Status NameService(uint32_t id, const std::string& name) override;
  absl::StatusOr<EngineState> ReadState() const override;
  absl::StatusOr<size_t> FlushConntrack(const ConntrackMatch& match) override;
  std::vector<uint64_t> Counters() const override;

  // Runs one packet (an Ethernet frame) through the core. The packet is
  // rewritten in place and may grow or shrink (rejects).
  lb_result Process(std::vector<uint8_t>& packet, lb_hook hook);

  // Deterministic time: tests and replay move it forward.
  void SetTimeNs(uint64_t now_ns) { s_.now_ns = now_ns; }
  uint64_t time_ns() const { return s_.now_ns; }
  void SetRandomSeed(uint64_t seed) { s_.rng = seed ? seed : 1; }

  // Read access for tests and tools.
  const PodMap<lb_ct_key, lb_ct_entry>& conntrack() const { return s_.ct; }
  std::optional<lb_service> service(uint32_t id) const;

  // Called from the C access layer (ref_env.h); not for other users.
  struct Maps;

 private:
  void ReleaseBackendPort(const lb_backend& b);
  friend struct Maps;
  // The maps the core reads and writes, reached by the C access layer.
  struct State {
    std::optional<lb_config> config;
    PodMap<lb_node_addr_key, uint8_t> node_addrs;
    PodMap<lb_frontend_key, lb_frontend_value> frontends;
    PodMap<uint32_t, lb_service> services;
    PodMap<lb_table_key, uint32_t> tables;
    PodMap<uint32_t, lb_backend> backends;
    PodMap<lb_affinity_key, lb_affinity_value> affinity;
    PodMap<lb_ct_key, lb_ct_entry> ct;
    PodMap<lb_frag_key, lb_frag_value> frags;
    PodMap<uint32_t, uint32_t> rr;
    std::map<uint32_t, std::string> names;
    std::map<uint16_t, int> port_refs;          // frontends per destination port (host order)
    std::map<uint16_t, int> backend_port_refs;  // backends per port (host order)
    std::vector<uint64_t> counters;
    uint64_t now_ns = 1'000'000'000;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
  };
  State s_;
  std::vector<uint8_t> buffer_;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_REFERENCE_REFERENCE_ENGINE_H_
