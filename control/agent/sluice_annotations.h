// The annotations with which a Service tunes how Sluice balances it.
//
//   sluice.dev/lb-algorithm: maglev | round-robin | random
//       How a backend is chosen for a new flow. Default maglev (consistent
//       hashing: a backend change moves few flows).
//   sluice.dev/maglev-table-size: a prime between 3 and 131071
//       Slots of the Maglev lookup table. Default 16381. Maglev's permutation
//       fills the table evenly only when the size is prime; use at least 100
//       slots per backend for a spread within about 1%.
//   sluice.dev/weights: "10.0.0.1=3,10.0.0.2=1"
//       Relative weights of endpoints by address, 1 to 100 (default 1).
//       Addresses that are not endpoints (yet) are allowed and unused.
//
// An invalid value is an error naming the annotation: guessing would balance
// the service differently from what its owner asked for.
#ifndef SLUICE_CONTROL_AGENT_SLUICE_ANNOTATIONS_H_
#define SLUICE_CONTROL_AGENT_SLUICE_ANNOTATIONS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "dataplane/ip_address.h"
#include "dataplane/service_model.h"

namespace sluice::agent {

inline constexpr char kAlgorithmAnnotation[] = "sluice.dev/lb-algorithm";
inline constexpr char kMaglevTableSizeAnnotation[] = "sluice.dev/maglev-table-size";
inline constexpr char kWeightsAnnotation[] = "sluice.dev/weights";

inline constexpr uint32_t kMinMaglevTableSize = 3;
// Cilium's largest table size; memory is a few bytes per slot per service.
inline constexpr uint32_t kMaxMaglevTableSize = 131071;
// Round-robin and random repeat a backend once per unit of weight in their
// table, so weights stay small.
inline constexpr uint32_t kMaxWeight = 100;

struct SluiceAnnotations {
  Algorithm algorithm = Algorithm::kMaglev;
  uint32_t maglev_table_size = kDefaultMaglevTableSize;
  std::map<IpAddress, uint32_t> weights;  // endpoints not listed weigh 1
};

// Reads the sluice.dev/ annotations among a Service's annotations; the others
// are not looked at. Errors read
// `metadata.annotations["sluice.dev/lb-algorithm"]: "fast" is not one of ...`.
absl::StatusOr<SluiceAnnotations> ParseSluiceAnnotations(
    const std::map<std::string, std::string>& annotations);

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_SLUICE_ANNOTATIONS_H_
