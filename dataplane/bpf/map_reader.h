// Reading a node's BPF maps, from the loaded engine or from their pins (for
// `sluicectl`, which runs beside the agent). One place that knows how to walk
// hash maps and sum per-CPU counters.
#ifndef SLUICE_DATAPLANE_BPF_MAP_READER_H_
#define SLUICE_DATAPLANE_BPF_MAP_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/engine.h"

namespace sluice {

// File descriptors of the maps (owned by whoever opened them).
struct MapFds {
  int services = -1;
  int service_names = -1;
  int backends = -1;
  int frontends = -1;
  int node_addrs = -1;
  int tables = -1;
  int ct4 = -1;  // IPv4 conntrack: the table of lb_ct4_buckets (ct4_table.h)
  int ct6 = -1;  // IPv6 conntrack, under lb_ct_key
  int counters = -1;
  int ncpus = 1;
};

absl::StatusOr<EngineState> ReadMapState(const MapFds& maps);
std::vector<uint64_t> ReadCounters(const MapFds& maps);
// Every conntrack entry for which `keep` is true.
std::vector<std::pair<lb_ct_key, lb_ct_entry>> ReadConntrack(
    const MapFds& maps, const std::function<bool(const lb_ct_key&, const lb_ct_entry&)>& keep);
// Deletes every conntrack entry for which `match` holds when judged right
// before its deletion (packets keep writing while user space sweeps).
absl::StatusOr<size_t> DeleteConntrackIf(
    const MapFds& maps, const std::function<bool(const lb_ct_key&, const lb_ct_entry&)>& match);
// The backend ids of one table (size slots; absent slots read as 0).
std::vector<uint32_t> ReadTable(const MapFds& maps, uint32_t service_id, uint8_t gen, uint8_t scope,
                                uint32_t size);

// The maps pinned under `pin_dir` by `sluice agent`; closes them on destruction.
class PinnedMaps {
 public:
  static absl::StatusOr<PinnedMaps> Open(const std::string& pin_dir);
  PinnedMaps(PinnedMaps&& other) noexcept : fds_(other.fds_), dir_(std::move(other.dir_)) {
    other.fds_ = MapFds{};
  }
  PinnedMaps(const PinnedMaps&) = delete;
  ~PinnedMaps();
  const MapFds& fds() const { return fds_; }
  const std::string& dir() const { return dir_; }

 private:
  PinnedMaps() = default;
  MapFds fds_;
  std::string dir_;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_BPF_MAP_READER_H_
