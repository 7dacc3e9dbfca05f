// Conntrack garbage collection. The programs ignore an entry once it has
// expired, and LRU maps evict the least recently used when full, but an
// expired entry otherwise stays: it takes a slot, shows in `sluicectl
// conntrack`, and keeps a removed backend's flows listed. The agent sweeps
// them out every so often.
#ifndef SLUICE_DATAPLANE_CONNTRACK_GC_H_
#define SLUICE_DATAPLANE_CONNTRACK_GC_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "dataplane/engine.h"

namespace sluice {

// Deletes the entries that expired before `now_ns` (the programs' clock);
// returns how many.
absl::StatusOr<size_t> ExpireConntrack(Engine& engine, uint64_t now_ns);

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_CONNTRACK_GC_H_
