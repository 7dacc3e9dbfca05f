// Names of the ABI's verdicts, drop reasons and counters, for tools, logs
// and fixture files. Stable: they are part of the user interface.
#ifndef SLUICE_DATAPLANE_LB_NAMES_H_
#define SLUICE_DATAPLANE_LB_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "dataplane/abi/lb_abi.h"

namespace sluice {

const char* VerdictName(uint8_t verdict);    // "forward", "pass", "reject", "drop"
const char* DropReasonName(uint8_t reason);  // "malformed_l3", ...
std::string CounterName(uint32_t counter);   // "forward", "drop:malformed_l3", ...
// The counter slot of a drop reason.
inline uint32_t DropCounter(uint8_t reason) {
  return static_cast<uint32_t>(LB_CNT_DROP_BASE) + reason;
}

std::optional<lb_verdict> ParseVerdict(absl::string_view name);
std::optional<lb_drop_reason> ParseDropReason(absl::string_view name);

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_LB_NAMES_H_
