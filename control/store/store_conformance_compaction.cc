// Conformance: compaction keeps current values, forgets history, and says so
// with a Compacted error (the API server's 410 Gone).
#include <string>

#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

using ::testing::ElementsAre;
using ::testing::Not;

TEST_P(StoreConformanceTest, CompactionKeepsTheCurrentValues) {
  int64_t a = MustCreate("/a", "1");
  WriteResult a2 = MustUpdate("/a", "2", a);
  MustCreate("/b", "1");
  KeyValue a_before = MustGet("/a"), b_before = MustGet("/b");
  ASSERT_TRUE(store_->Compact(MustCurrentRevision()).ok());
  EXPECT_EQ(MustGet("/a"), a_before);
  EXPECT_EQ(MustGet("/b"), b_before);
  absl::StatusOr<ListResult> list = store_->List(ListOptions{});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(list->kvs, ElementsAre(a_before, b_before));
  // Optimistic concurrency goes on from the revisions read before compaction.
  EXPECT_TRUE(MustUpdate("/a", "3", a2.revision).succeeded);
}

TEST_P(StoreConformanceTest, ReadsBelowTheCompactedRevisionFailWithCompacted) {
  int64_t a = MustCreate("/a", "1");
  MustUpdate("/a", "2", a);
  int64_t compacted = MustCurrentRevision();
  ASSERT_TRUE(store_->Compact(compacted).ok());
  absl::Status get = store_->Get("/a", a).status();
  EXPECT_THAT(get, IsCompactedError()) << get;
  EXPECT_EQ(CompactedRevision(get), compacted);
  absl::Status list = store_->List(ListOptions{.revision = a}).status();
  EXPECT_THAT(list, IsCompactedError()) << list;
}

TEST_P(StoreConformanceTest, ReadsAtTheCompactedRevisionStillWork) {
  int64_t a = MustCreate("/a", "1");
  WriteResult a2 = MustUpdate("/a", "2", a);
  MustCreate("/b", "later");
  ASSERT_TRUE(store_->Compact(a2.revision).ok());
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.revision = a2.revision});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(Keys(list->kvs), ElementsAre("/a"));
  EXPECT_EQ(list->kvs[0].value, "2");
}

TEST_P(StoreConformanceTest, WatchFromBeforeTheCompactedRevisionFailsWithCompacted) {
  int64_t start = MustCurrentRevision();
  int64_t a = MustCreate("/w/a", "1");
  MustUpdate("/w/a", "2", a);
  MustCreate("/w/b", "1");
  int64_t compacted = MustCurrentRevision();
  ASSERT_TRUE(store_->Compact(compacted).ok());
  absl::Status status = WatchError(*store_, WatchOptions{.prefix = "/w/", .after_revision = start});
  EXPECT_THAT(status, IsCompactedError()) << status;
  EXPECT_EQ(CompactedRevision(status), compacted);
}

TEST_P(StoreConformanceTest, WatchFromTheCompactedRevisionDeliversLaterChanges) {
  int64_t a = MustCreate("/w/a", "1");
  MustUpdate("/w/a", "2", a);
  int64_t compacted = MustCurrentRevision();
  ASSERT_TRUE(store_->Compact(compacted).ok());
  WatchStreamPtr stream = MustWatch("/w/", compacted);
  int64_t b = MustCreate("/w/b", "1");
  std::vector<Event> events = NextEvents(*stream, 1);
  EXPECT_THAT(Revisions(events), ElementsAre(b));
}

TEST_P(StoreConformanceTest, ChangesAfterTheCompactedRevisionKeepTheirPreviousValues) {
  int64_t a = MustCreate("/w/a", "1");
  int64_t compacted = MustCreate("/w/other", "x");
  WriteResult a2 = MustUpdate("/w/a", "2", a);
  ASSERT_TRUE(store_->Delete("/w/other", kUnconditional).ok());
  ASSERT_TRUE(store_->Compact(compacted).ok());
  WatchStreamPtr stream = MustWatch("/w/", compacted);
  std::vector<Event> events = NextEvents(*stream, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv, *a2.kv);
  ASSERT_TRUE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[0].prev_kv->value, "1");
  EXPECT_EQ(events[1].type, EventType::kDelete);
  ASSERT_TRUE(events[1].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->value, "x");
}

TEST_P(StoreConformanceTest, DeletedKeysStayDeletedAfterCompactionAndCanBeCreatedAgain) {
  MustCreate("/gone", "1");
  ASSERT_TRUE(store_->Delete("/gone", kUnconditional).ok());
  ASSERT_TRUE(store_->Compact(MustCurrentRevision()).ok());
  ExpectMissing("/gone", kLatest);
  int64_t again = MustCreate("/gone", "2");
  EXPECT_EQ(MustGet("/gone").create_revision, again);
  EXPECT_EQ(MustGet("/gone").version, 1);
}

TEST_P(StoreConformanceTest, CompactingTwiceToOneRevisionFailsWithCompacted) {
  MustCreate("/a", "1");
  int64_t revision = MustCurrentRevision();
  ASSERT_TRUE(store_->Compact(revision).ok());
  absl::Status again = store_->Compact(revision);
  EXPECT_THAT(again, IsCompactedError()) << again;
}

TEST_P(StoreConformanceTest, CompactingPastTheCurrentRevisionFails) {
  MustCreate("/a", "1");
  absl::Status status = store_->Compact(MustCurrentRevision() + 1000);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_THAT(status, Not(IsCompactedError()));
}

TEST_P(StoreConformanceTest, CompactionSurvivesARestart) {
  int64_t a = MustCreate("/a", "1");
  MustUpdate("/a", "2", a);
  int64_t compacted = MustCurrentRevision();
  ASSERT_TRUE(store_->Compact(compacted).ok());
  Reopen();
  EXPECT_THAT(store_->Get("/a", a).status(), IsCompactedError());
  EXPECT_EQ(MustGet("/a").value, "2");
  EXPECT_GE(MustCurrentRevision(), compacted);
  EXPECT_GT(MustCreate("/b", "1"), compacted) << "revisions go on after a restart";
}

}  // namespace
}  // namespace sluice::store
