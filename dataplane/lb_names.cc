#include "dataplane/lb_names.h"

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

constexpr const char* kVerdicts[] = {"pass", "forward", "reject", "drop"};

constexpr const char* kReasons[LB_DROP_REASON_COUNT] = {
    "none",           "malformed_l2",       "malformed_l3",  "malformed_l4",
    "ipv6_ext_chain", "frag_unknown",       "no_backend",    "snat_exhausted",
    "ct_full",        "no_endpoints",       "sctp_too_long", "reject_failed",
    "unsupported_l4", "no_local_endpoints",
};

constexpr const char* kCounters[] = {"pass",          "forward",   "reject", "drop",
                                     "ct_new",        "ct_hit",    "reply",  "icmp_error",
                                     "frag_followed", "ct_evicted"};

}  // namespace

const char* VerdictName(uint8_t verdict) {
  return verdict < std::size(kVerdicts) ? kVerdicts[verdict] : "unknown";
}

const char* DropReasonName(uint8_t reason) {
  return reason < LB_DROP_REASON_COUNT ? kReasons[reason] : "unknown";
}

std::string CounterName(uint32_t counter) {
  if (counter >= LB_CNT_DROP_BASE)
    return absl::StrCat("drop:", DropReasonName(counter - LB_CNT_DROP_BASE));
  if (counter < std::size(kCounters)) return kCounters[counter];
  return absl::StrCat("slot", counter);
}

std::optional<lb_verdict> ParseVerdict(absl::string_view name) {
  for (size_t i = 0; i < std::size(kVerdicts); ++i)
    if (name == kVerdicts[i]) return static_cast<lb_verdict>(i);
  return std::nullopt;
}

std::optional<lb_drop_reason> ParseDropReason(absl::string_view name) {
  for (int i = 0; i < LB_DROP_REASON_COUNT; ++i)
    if (name == kReasons[i]) return static_cast<lb_drop_reason>(i);
  return std::nullopt;
}

}  // namespace sluice
