// Conformance: watch delivers every change after its revision, in order,
// exactly once, including the changes made before it opened.
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Optional;

TEST_P(StoreConformanceTest, WatchDeliversPutsAndDeletesWithTheirPreviousValues) {
  WatchStreamPtr stream = MustWatch("/w/", MustCurrentRevision());
  int64_t created = MustCreate("/w/a", "one");
  WriteResult updated = MustUpdate("/w/a", "two", created);
  absl::StatusOr<WriteResult> deleted = store_->Delete("/w/a", kUnconditional);
  ASSERT_TRUE(deleted.ok());
  std::vector<Event> events = NextEvents(*stream, 3);
  ASSERT_EQ(events.size(), 3u);
  KeyValue one{.key = "/w/a",
               .value = "one",
               .create_revision = created,
               .mod_revision = created,
               .version = 1};
  EXPECT_EQ(events[0], (Event{.type = EventType::kPut, .kv = one}));
  EXPECT_EQ(events[1], (Event{.type = EventType::kPut, .kv = *updated.kv, .prev_kv = one}));
  // As in etcd, a delete event's kv has only the key and the revision.
  EXPECT_EQ(events[2], (Event{.type = EventType::kDelete,
                              .kv = KeyValue{.key = "/w/a", .mod_revision = deleted->revision},
                              .prev_kv = *updated.kv}));
  ExpectNoEvents(*stream);
}

TEST_P(StoreConformanceTest, WatchOnlySeesKeysUnderItsPrefix) {
  WatchStreamPtr stream = MustWatch("/w/", MustCurrentRevision());
  MustCreate("/other", "v");
  MustCreate("/w", "not under /w/");
  MustCreate("/w/x", "v");
  std::vector<Event> events = NextEvents(*stream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/w/x");
  ExpectNoEvents(*stream);
}

TEST_P(StoreConformanceTest, WatchFromAPastRevisionReplaysEarlierChangesThenLiveOnes) {
  std::vector<int64_t> revisions;
  for (int i = 0; i < 5; ++i) revisions.push_back(MustCreate(absl::StrCat("/r/", i), "v"));
  WatchStreamPtr stream = MustWatch("/r/", revisions[1]);
  for (int i = 5; i < 8; ++i) revisions.push_back(MustCreate(absl::StrCat("/r/", i), "v"));
  std::vector<Event> events = NextEvents(*stream, 6);
  EXPECT_THAT(Revisions(events), ElementsAreArray(revisions.begin() + 2, revisions.end()));
  ExpectNoEvents(*stream);
}

TEST_P(StoreConformanceTest, WatchFromZeroStartsAtTheCurrentRevision) {
  MustCreate("/z/old", "v");
  WatchStreamPtr stream = MustWatch("/z/", 0);
  int64_t revision = MustCreate("/z/new", "v");
  std::vector<Event> events = NextEvents(*stream, 1);
  EXPECT_THAT(Revisions(events), ElementsAre(revision));
}

TEST_P(StoreConformanceTest, WatchResumesFromTheLastRevisionItDelivered) {
  int64_t start = MustCurrentRevision();
  std::vector<int64_t> revisions;
  for (int i = 0; i < 4; ++i) revisions.push_back(MustCreate(absl::StrCat("/res/", i), "v"));
  int64_t resume_from;
  {
    WatchStreamPtr stream = MustWatch("/res/", start);
    std::vector<Event> first = NextEvents(*stream, 2);
    ASSERT_GE(first.size(), 2u);
    // The client handled two events, then its connection broke.
    resume_from = first[1].kv.mod_revision;
  }
  for (int i = 4; i < 6; ++i) revisions.push_back(MustCreate(absl::StrCat("/res/", i), "v"));
  WatchStreamPtr resumed = MustWatch("/res/", resume_from);
  std::vector<Event> rest = NextEvents(*resumed, 4);
  EXPECT_THAT(Revisions(rest), ElementsAreArray(revisions.begin() + 2, revisions.end()));
  ExpectNoEvents(*resumed);
}

TEST_P(StoreConformanceTest, WatchersOfConcurrentWritesEachSeeEveryChangeOnceInOrder) {
  constexpr int kWatchers = 16, kWriters = 4, kPerWriter = 25;
  int64_t start = MustCurrentRevision();
  std::vector<WatchStreamPtr> streams;
  for (int i = 0; i < kWatchers; ++i) streams.push_back(MustWatch("/c/", start));
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        std::string key = absl::StrCat("/c/", w);
        if (i == 0) {
          EXPECT_TRUE(store_->Create(key, "0").ok());
          continue;
        }
        // Read-modify-write, as the API server does.
        absl::StatusOr<std::optional<KeyValue>> current = store_->Get(key, kLatest);
        ASSERT_TRUE(current.ok() && current->has_value());
        absl::StatusOr<WriteResult> result =
            store_->Update(key, absl::StrCat(i), (*current)->mod_revision);
        ASSERT_TRUE(result.ok() && result->succeeded);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  absl::StatusOr<ListResult> all = store_->List(ListOptions{.prefix = "/c/"});
  ASSERT_TRUE(all.ok());
  for (WatchStreamPtr& stream : streams) {
    std::vector<Event> events = NextEvents(*stream, kWriters * kPerWriter);
    std::vector<int64_t> revisions = Revisions(events);
    ASSERT_EQ(revisions.size(), size_t{kWriters * kPerWriter});
    for (size_t i = 1; i < revisions.size(); ++i) ASSERT_GT(revisions[i], revisions[i - 1]);
    // Replaying the events gives the listed state.
    std::map<std::string, KeyValue> state;
    for (const Event& event : events) state[event.kv.key] = event.kv;
    ASSERT_EQ(state.size(), all->kvs.size());
    for (const KeyValue& kv : all->kvs) EXPECT_EQ(state[kv.key], kv);
    ExpectNoEvents(*stream, absl::Milliseconds(1));
  }
}

TEST_P(StoreConformanceTest, WatchWithNothingToSayReturnsEmptyAfterItsTimeout) {
  int64_t revision = MustCurrentRevision();
  WatchStreamPtr stream = MustWatch("/quiet/", revision);
  MustCreate("/loud", "v");
  absl::StatusOr<WatchResponse> response = stream->Next(absl::Milliseconds(20));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->events.empty());
  EXPECT_GE(response->revision, revision);
}

TEST_P(StoreConformanceTest, OnReadyTellsWhenNextHasChanges) {
  absl::Notification ready;
  std::atomic<bool> notified_once{false};
  absl::StatusOr<WatchStreamPtr> stream = store_->Watch(
      WatchOptions{.prefix = "/ready/", .after_revision = MustCurrentRevision(), .on_ready = [&] {
                     if (!notified_once.exchange(true)) ready.Notify();
                   }});
  ASSERT_TRUE(stream.ok()) << stream.status();
  int64_t revision = MustCreate("/ready/a", "v");
  ASSERT_TRUE(ready.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::vector<Event> events = NextEvents(**stream, 1, absl::Seconds(10));
  EXPECT_THAT(Revisions(events), ElementsAre(revision));
}

TEST_P(StoreConformanceTest, WatchesOfOneKeySeeEachVersion) {
  int64_t revision = MustCreate("/k", "0");
  WatchStreamPtr stream = MustWatch("/k", revision);
  std::vector<KeyValue> written;
  for (int i = 1; i <= 5; ++i) {
    WriteResult result = MustUpdate("/k", absl::StrCat(i), revision);
    ASSERT_TRUE(result.succeeded);
    written.push_back(*result.kv);
    revision = result.revision;
  }
  std::vector<Event> events = NextEvents(*stream, 5);
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv, written[i]);
    EXPECT_EQ(events[i].kv.version, static_cast<int64_t>(i) + 2);
    if (i > 0) {
      EXPECT_THAT(events[i].prev_kv, Optional(written[i - 1]));
    }
  }
}

}  // namespace
}  // namespace sluice::store
