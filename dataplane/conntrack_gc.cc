#include "dataplane/conntrack_gc.h"

namespace sluice {

absl::StatusOr<size_t> ExpireConntrack(Engine& engine, uint64_t now_ns) {
  // A packet that finds an expired entry starts the flow anew and writes a
  // fresh entry under the same key; the engine re-reads each entry right
  // before deleting it, so only entries still expired then go.
  return engine.FlushConntrack(
      [now_ns](const lb_ct_key&, const lb_ct_entry& e) { return e.expires_ns < now_ns; });
}

}  // namespace sluice
