// Backend tables of one service port in one family: which backends are
// usable in each scope (the Kubernetes rules) and the table the core picks
// from (Maglev lookup table, or the weighted list for round-robin/random).
#ifndef SLUICE_DATAPLANE_BACKEND_TABLES_H_
#define SLUICE_DATAPLANE_BACKEND_TABLES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/engine.h"
#include "dataplane/service_model.h"

namespace sluice {

// A backend with the id the service table gave it.
struct NumberedBackend {
  uint32_t id;
  const Backend* backend;
};

// Indexes (into `backends`) of the backends usable in `scope`: the ready
// ones; if none is ready, the serving terminating ones.
std::vector<size_t> UsableBackends(const std::vector<NumberedBackend>& backends,
                                   lb_table_scope scope);

// Smooth weighted round-robin order (each backend appears weight times,
// spread out), so that a counter walking it is exact round-robin.
std::vector<uint32_t> WeightedList(const std::vector<NumberedBackend>& backends,
                                   const std::vector<size_t>& usable);

// The tables of both scopes for `port`'s algorithm, as backend ids.
absl::StatusOr<ServiceTables> BuildServiceTables(const ServicePort& port,
                                                 const std::vector<NumberedBackend>& backends);

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_BACKEND_TABLES_H_
