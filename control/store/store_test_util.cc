#include "control/store/store_test_util.h"

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sluice::store {

std::vector<Event> NextEvents(WatchStream& stream, size_t count, absl::Duration timeout) {
  std::vector<Event> events;
  absl::Time deadline = absl::Now() + timeout;
  while (events.size() < count) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      ADD_FAILURE() << "got " << events.size() << " of " << count << " events in " << timeout;
      break;
    }
    absl::StatusOr<WatchResponse> response = stream.Next(left);
    if (!response.ok()) {
      ADD_FAILURE() << "watch failed after " << events.size() << " events: " << response.status();
      break;
    }
    for (Event& event : response->events) {
      EXPECT_LE(event.kv.mod_revision, response->revision) << "a response's revision covers it";
      events.push_back(std::move(event));
    }
  }
  return events;
}

void ExpectNoEvents(WatchStream& stream, absl::Duration wait) {
  absl::StatusOr<WatchResponse> response = stream.Next(wait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->events, testing::IsEmpty());
}

absl::Status WatchError(Store& store, const WatchOptions& options, absl::Duration timeout) {
  absl::StatusOr<WatchStreamPtr> stream = store.Watch(options);
  if (!stream.ok()) return stream.status();
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<WatchResponse> response = (*stream)->Next(deadline - absl::Now());
    if (!response.ok()) return response.status();
  }
  return absl::OkStatus();
}

std::vector<std::string> Keys(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> keys;
  for (const KeyValue& kv : kvs) keys.push_back(kv.key);
  return keys;
}

std::vector<int64_t> Revisions(const std::vector<Event>& events) {
  std::vector<int64_t> revisions;
  for (const Event& event : events) revisions.push_back(event.kv.mod_revision);
  return revisions;
}

void PrintTo(const KeyValue& kv, std::ostream* os) {
  *os << "{key \"" << absl::CHexEscape(kv.key) << "\", value ";
  if (kv.value.size() > 64) {
    *os << kv.value.size() << " bytes";
  } else {
    *os << "\"" << absl::CHexEscape(kv.value) << "\"";
  }
  *os << ", create " << kv.create_revision << ", mod " << kv.mod_revision << ", version "
      << kv.version << "}";
}

void PrintTo(const Event& event, std::ostream* os) {
  *os << EventTypeName(event.type) << " ";
  PrintTo(event.kv, os);
  if (event.prev_kv.has_value()) {
    *os << " prev ";
    PrintTo(*event.prev_kv, os);
  }
}

}  // namespace sluice::store
