// Conformance: List by prefix, in key order, with limit, continuation and at a
// past revision.
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(StoreConformanceTest, ListReturnsTheKeysUnderThePrefixInByteOrder) {
  for (const char* key : {"/a/2", "/a/10", "/a", "/b/1", "/a/1", "/a0"}) MustCreate(key, key);
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/a/"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(Keys(list->kvs), ElementsAre("/a/1", "/a/10", "/a/2"));
  EXPECT_EQ(list->kvs[0].value, "/a/1");
  EXPECT_FALSE(list->more);
  EXPECT_EQ(list->revision, MustCurrentRevision());
}

TEST_P(StoreConformanceTest, ListWithAnEmptyPrefixListsEveryKey) {
  for (const char* key : {"b", "a", "c"}) MustCreate(key, "v");
  absl::StatusOr<ListResult> list = store_->List(ListOptions{});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(Keys(list->kvs), ElementsAre("a", "b", "c"));
}

TEST_P(StoreConformanceTest, ListLeavesOutDeletedKeysAndShowsLatestValues) {
  int64_t a = MustCreate("/p/a", "1");
  MustCreate("/p/b", "1");
  MustUpdate("/p/a", "2", a);
  ASSERT_TRUE(store_->Delete("/p/b", kUnconditional).ok());
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/p/"});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(Keys(list->kvs), ElementsAre("/p/a"));
  EXPECT_EQ(list->kvs[0], MustGet("/p/a"));
}

TEST_P(StoreConformanceTest, ListOfAnEmptyPrefixRangeIsEmpty) {
  MustCreate("/a", "v");
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/nothing/"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(list->kvs, IsEmpty());
  EXPECT_FALSE(list->more);
}

TEST_P(StoreConformanceTest, ListPagesWithLimitAndStartAfterAtOneRevision) {
  for (int i = 0; i < 25; ++i) MustCreate(absl::StrFormat("/page/%02d", i), "v");
  std::vector<std::string> seen;
  ListOptions options{.prefix = "/page/", .limit = 10};
  std::vector<bool> mores;
  while (true) {
    absl::StatusOr<ListResult> page = store_->List(options);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->kvs.size(), 10u);
    for (const KeyValue& kv : page->kvs) seen.push_back(kv.key);
    mores.push_back(page->more);
    if (!page->more) break;
    // The next page reads the same revision, as the API server's continue
    // token does: writes between the pages do not show.
    if (options.revision == kLatest) {
      options.revision = page->revision;
      MustCreate("/page/15a", "written between pages");
      ASSERT_TRUE(store_->Delete("/page/24", kUnconditional).ok());
    }
    options.start_after = page->kvs.back().key;
  }
  EXPECT_THAT(mores, ElementsAre(true, true, false));
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[i], absl::StrFormat("/page/%02d", i));
}

TEST_P(StoreConformanceTest, ListWithALimitOfExactlyTheCountHasNoMore) {
  for (const char* key : {"/x/1", "/x/2"}) MustCreate(key, "v");
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/x/", .limit = 2});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->kvs.size(), 2u);
  EXPECT_FALSE(list->more);
}

TEST_P(StoreConformanceTest, ListAtAPastRevisionShowsTheKeysOfThatTime) {
  int64_t a = MustCreate("/t/a", "old");
  int64_t b = MustCreate("/t/b", "b");
  MustUpdate("/t/a", "new", a);
  ASSERT_TRUE(store_->Delete("/t/b", kUnconditional).ok());
  MustCreate("/t/c", "later");
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/t/", .revision = b});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->revision, b);
  ASSERT_THAT(Keys(list->kvs), ElementsAre("/t/a", "/t/b"));
  EXPECT_EQ(list->kvs[0].value, "old");
  EXPECT_EQ(list->kvs[0].mod_revision, a);
}

TEST_P(StoreConformanceTest, ListKeepsByteOrderForOddBytes) {
  const std::vector<std::string> keys = {
      std::string("/o/\0", 4), "/o/\x01", "/o/\x7f", "/o/\x80", "/o/\xff", "/o/\xff\xff"};
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) MustCreate(*it, "v");
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/o/"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(Keys(list->kvs), keys);
  // A prefix that ends in 0xff bytes still has an end.
  MustCreate("/o0", "outside");
  list = store_->List(ListOptions{.prefix = "/o/\xff"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(Keys(list->kvs), ElementsAre("/o/\xff", "/o/\xff\xff"));
  // start_after past a NUL byte.
  list = store_->List(ListOptions{.prefix = "/o/", .start_after = std::string("/o/\0", 4)});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(Keys(list->kvs), std::vector<std::string>(keys.begin() + 1, keys.end()));
}

TEST_P(StoreConformanceTest, ListRejectsANegativeLimit) {
  EXPECT_EQ(store_->List(ListOptions{.limit = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::store
