// Test helpers for anything that implements Store: reading watch streams,
// matchers, and readable printing of the store's structs.
#ifndef SLUICE_CONTROL_STORE_STORE_TEST_UTIL_H_
#define SLUICE_CONTROL_STORE_STORE_TEST_UTIL_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "control/store/store.h"
#include "gmock/gmock.h"

namespace sluice::store {

// Reads `count` events from `stream`, failing the test if they do not come
// within `timeout`.
std::vector<Event> NextEvents(WatchStream& stream, size_t count,
                              absl::Duration timeout = absl::Seconds(10));
// Fails the test if `stream` returns an event within `wait`.
void ExpectNoEvents(WatchStream& stream, absl::Duration wait = absl::Milliseconds(50));
// The first error of `stream` (or of opening it) within `timeout`.
absl::Status WatchError(Store& store, const WatchOptions& options,
                        absl::Duration timeout = absl::Seconds(10));

std::vector<std::string> Keys(const std::vector<KeyValue>& kvs);
std::vector<int64_t> Revisions(const std::vector<Event>& events);

MATCHER(IsCompactedError, "is a Compacted error") {
  return IsCompacted(arg);
}

// Readable failures for the store's structs.
void PrintTo(const KeyValue& kv, std::ostream* os);
void PrintTo(const Event& event, std::ostream* os);

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_STORE_TEST_UTIL_H_
