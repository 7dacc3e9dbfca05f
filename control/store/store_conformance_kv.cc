// Conformance: create, get, update, delete, revisions, odd keys, big values.
#include <string>

#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

using ::testing::Optional;

TEST_P(StoreConformanceTest, CreatedKeyHasItsValueAndRevisions) {
  int64_t revision = MustCreate("/a", "one");
  EXPECT_GT(revision, 0);
  KeyValue kv = MustGet("/a");
  EXPECT_EQ(kv, (KeyValue{.key = "/a",
                          .value = "one",
                          .create_revision = revision,
                          .mod_revision = revision,
                          .version = 1}));
}

TEST_P(StoreConformanceTest, CreatingAnExistingKeyFailsWithAlreadyExists) {
  int64_t revision = MustCreate("/a", "one");
  EXPECT_EQ(store_->Create("/a", "two").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(MustGet("/a").value, "one");
  EXPECT_EQ(MustCurrentRevision(), revision);
}

TEST_P(StoreConformanceTest, MissingKeyReadsAsNothing) {
  ExpectMissing("/missing", kLatest);
}

TEST_P(StoreConformanceTest, EmptyKeyIsRejected) {
  EXPECT_EQ(store_->Create("", "v").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("", kLatest).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, NegativeRevisionsAreRejected) {
  MustCreate("/a", "one");
  EXPECT_EQ(store_->Get("/a", -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List(ListOptions{.revision = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Delete("/a", -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Watch(WatchOptions{.after_revision = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Compact(-1).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, UpdateAtTheModRevisionWritesANewVersion) {
  int64_t created = MustCreate("/a", "one");
  WriteResult result = MustUpdate("/a", "two", created);
  ASSERT_TRUE(result.succeeded);
  EXPECT_GT(result.revision, created);
  KeyValue expected{.key = "/a",
                    .value = "two",
                    .create_revision = created,
                    .mod_revision = result.revision,
                    .version = 2};
  EXPECT_THAT(result.kv, Optional(expected));
  EXPECT_EQ(MustGet("/a"), expected);
}

TEST_P(StoreConformanceTest, StaleUpdateIsAResultWithTheCurrentValueNotAnError) {
  int64_t created = MustCreate("/a", "one");
  WriteResult second = MustUpdate("/a", "two", created);
  int64_t revision = MustCurrentRevision();
  WriteResult stale = MustUpdate("/a", "three", created);
  EXPECT_FALSE(stale.succeeded);
  EXPECT_THAT(stale.kv, Optional(MustGet("/a")));
  EXPECT_EQ(stale.kv->value, "two");
  EXPECT_EQ(stale.kv->mod_revision, second.revision);
  EXPECT_EQ(MustCurrentRevision(), revision) << "a failed update writes nothing";
}

TEST_P(StoreConformanceTest, UpdateOfAMissingKeyFailsWithoutAValue) {
  WriteResult result = MustUpdate("/missing", "v", 1);
  EXPECT_FALSE(result.succeeded);
  EXPECT_EQ(result.kv, std::nullopt);
}

TEST_P(StoreConformanceTest, UpdateNeedsAnExpectedRevision) {
  MustCreate("/a", "one");
  EXPECT_EQ(store_->Update("/a", "two", 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, DeleteRemovesTheKeyAndReturnsItsLastValue) {
  int64_t created = MustCreate("/a", "one");
  KeyValue before = MustGet("/a");
  absl::StatusOr<WriteResult> result = store_->Delete("/a", created);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->succeeded);
  EXPECT_GT(result->revision, created);
  EXPECT_THAT(result->kv, Optional(before));
  ExpectMissing("/a", kLatest);
  EXPECT_EQ(MustCurrentRevision(), result->revision);
}

TEST_P(StoreConformanceTest, UnconditionalDeleteRemovesWhateverIsThere) {
  int64_t created = MustCreate("/a", "one");
  MustUpdate("/a", "two", created);
  absl::StatusOr<WriteResult> result = store_->Delete("/a", kUnconditional);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->succeeded);
  EXPECT_EQ(result->kv->value, "two");
}

TEST_P(StoreConformanceTest, StaleDeleteFailsAndKeepsTheKey) {
  int64_t created = MustCreate("/a", "one");
  MustUpdate("/a", "two", created);
  absl::StatusOr<WriteResult> result = store_->Delete("/a", created);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->succeeded);
  EXPECT_THAT(result->kv, Optional(MustGet("/a")));
}

TEST_P(StoreConformanceTest, DeleteOfAMissingKeyFailsWithoutAValue) {
  absl::StatusOr<WriteResult> result = store_->Delete("/missing", kUnconditional);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->succeeded);
  EXPECT_EQ(result->kv, std::nullopt);
}

TEST_P(StoreConformanceTest, KeyCreatedAgainAfterDeleteStartsANewLife) {
  MustCreate("/a", "one");
  ASSERT_TRUE(store_->Delete("/a", kUnconditional).ok());
  int64_t again = MustCreate("/a", "new");
  EXPECT_EQ(MustGet("/a"), (KeyValue{.key = "/a",
                                     .value = "new",
                                     .create_revision = again,
                                     .mod_revision = again,
                                     .version = 1}));
}

TEST_P(StoreConformanceTest, EveryWriteTakesTheNextRevision) {
  int64_t previous = MustCurrentRevision();
  int64_t created = MustCreate("/a", "1");
  WriteResult updated = MustUpdate("/a", "2", created);
  int64_t other = MustCreate("/b", "1");
  absl::StatusOr<WriteResult> deleted = store_->Delete("/a", kUnconditional);
  ASSERT_TRUE(deleted.ok());
  std::vector<int64_t> revisions = {previous, created, updated.revision, other, deleted->revision};
  for (size_t i = 1; i < revisions.size(); ++i) {
    EXPECT_GT(revisions[i], revisions[i - 1]) << "write " << i;
  }
  EXPECT_EQ(MustCurrentRevision(), deleted->revision);
}

TEST_P(StoreConformanceTest, ValuesAndRevisionsSurviveARestart) {
  int64_t created = MustCreate("/a", "one");
  WriteResult updated = MustUpdate("/a", "two", created);
  MustCreate("/b", "b");
  ASSERT_TRUE(store_->Delete("/b", kUnconditional).ok());
  int64_t revision = MustCurrentRevision();
  KeyValue before = MustGet("/a");
  Reopen();
  EXPECT_EQ(MustGet("/a"), before);
  ExpectMissing("/b", kLatest);
  EXPECT_GE(MustCurrentRevision(), revision);
  EXPECT_GT(MustCreate("/c", "c"), revision) << "revisions go on after a restart";
  EXPECT_TRUE(MustUpdate("/a", "three", updated.revision).succeeded);
}

TEST_P(StoreConformanceTest, GetAtAPastRevisionSeesTheValueOfThatTime) {
  int64_t created = MustCreate("/a", "one");
  WriteResult updated = MustUpdate("/a", "two", created);
  ASSERT_TRUE(store_->Delete("/a", kUnconditional).ok());
  absl::StatusOr<std::optional<KeyValue>> then = store_->Get("/a", created);
  ASSERT_TRUE(then.ok()) << then.status();
  ASSERT_TRUE(then->has_value());
  EXPECT_EQ((*then)->value, "one");
  EXPECT_EQ((*then)->version, 1);
  then = store_->Get("/a", updated.revision);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ((*then)->value, "two");
  ExpectMissing("/a", created - 1);  // before it was created
}

TEST_P(StoreConformanceTest, ReadAtAFutureRevisionFailsButIsNotCompacted) {
  int64_t revision = MustCreate("/a", "one");
  absl::Status status = store_->Get("/a", revision + 1000).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_FALSE(IsCompacted(status));
}

TEST_P(StoreConformanceTest, KeysAndValuesAreBytes) {
  const std::string keys[] = {
      std::string("/odd/\0nul", 9),  "/odd/\xff\xfe", "/odd/\n\t\"'\\", "/odd/%2F..%00",
      "/odd/\xc3\x28 invalid utf-8", "/odd/ "};
  for (const std::string& key : keys) {
    std::string value = key + std::string("\0\xff value", 8);
    MustCreate(key, value);
    EXPECT_EQ(MustGet(key).value, value);
  }
}

TEST_P(StoreConformanceTest, EmptyValueIsAValue) {
  MustCreate("/a", "");
  KeyValue kv = MustGet("/a");
  EXPECT_EQ(kv.value, "");
  EXPECT_EQ(kv.version, 1);
}

std::string MiB(char seed) {
  std::string value(size_t{1} << 20, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(seed + i * 31 + (i >> 8));
  return value;
}

TEST_P(StoreConformanceTest, OneMebibyteValuesRoundTrip) {
  const std::string first = MiB(1), second = MiB(7);
  int64_t created = MustCreate("/big", first);
  EXPECT_EQ(MustGet("/big").value, first);
  WatchStreamPtr stream = MustWatch("/big", created);
  ASSERT_TRUE(MustUpdate("/big", second, created).succeeded);
  EXPECT_EQ(MustGet("/big").value, second);
  std::vector<Event> events = NextEvents(*stream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.value, second);
  ASSERT_TRUE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[0].prev_kv->value, first);
}

}  // namespace
}  // namespace sluice::store
