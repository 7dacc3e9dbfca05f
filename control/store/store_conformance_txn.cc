// Conformance: a transaction writes all of its ops or none, and two of them
// racing for one key have one winner.
#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

using Kind = TxnOp::Kind;

TEST_P(StoreConformanceTest, TxnAppliesEveryOpWhenEveryConditionHolds) {
  int64_t b = MustCreate("/t/b", "b1");
  MustCreate("/t/c", "c1");
  absl::StatusOr<TxnResult> txn = store_->Txn(
      {{.kind = Kind::kCreate, .key = "/t/a", .value = "a1"},
       {.kind = Kind::kUpdate, .key = "/t/b", .value = "b2", .expected_mod_revision = b},
       {.kind = Kind::kDelete, .key = "/t/c"}});
  ASSERT_TRUE(txn.ok()) << txn.status();
  ASSERT_TRUE(txn->succeeded);
  ASSERT_EQ(txn->results.size(), 3u);
  KeyValue a = MustGet("/t/a");
  EXPECT_EQ(txn->results[0].kv, a);
  EXPECT_EQ(a.version, 1);
  KeyValue b2 = MustGet("/t/b");
  EXPECT_EQ(txn->results[1].kv, b2);
  EXPECT_EQ(b2.value, "b2");
  EXPECT_EQ(b2.version, 2);
  ASSERT_TRUE(txn->results[2].kv.has_value());
  EXPECT_EQ(txn->results[2].kv->value, "c1");
  ExpectMissing("/t/c", kLatest);
  EXPECT_EQ(txn->revision, MustCurrentRevision());
  EXPECT_GE(txn->revision, b2.mod_revision);
}

TEST_P(StoreConformanceTest, TxnWithOneFailedConditionWritesNothingAndSaysWhich) {
  MustCreate("/t/taken", "old");
  int64_t before = MustCurrentRevision();
  absl::StatusOr<TxnResult> txn =
      store_->Txn({{.kind = Kind::kCreate, .key = "/t/free", .value = "v"},
                   {.kind = Kind::kCreate, .key = "/t/taken", .value = "new"},
                   {.kind = Kind::kDelete, .key = "/t/missing"}});
  ASSERT_TRUE(txn.ok()) << txn.status();
  EXPECT_FALSE(txn->succeeded);
  ASSERT_EQ(txn->results.size(), 3u);
  EXPECT_TRUE(txn->results[0].succeeded);
  EXPECT_FALSE(txn->results[0].kv.has_value());
  EXPECT_FALSE(txn->results[1].succeeded);
  ASSERT_TRUE(txn->results[1].kv.has_value());
  EXPECT_EQ(txn->results[1].kv->value, "old");
  EXPECT_FALSE(txn->results[2].succeeded);
  EXPECT_EQ(txn->revision, before);
  EXPECT_EQ(MustCurrentRevision(), before);
  ExpectMissing("/t/free", kLatest);
  EXPECT_EQ(MustGet("/t/taken").value, "old");
}

TEST_P(StoreConformanceTest, TxnUpdateFromAStaleRevisionFails) {
  int64_t first = MustCreate("/t/k", "1");
  MustUpdate("/t/k", "2", first);
  absl::StatusOr<TxnResult> txn = store_->Txn(
      {{.kind = Kind::kUpdate, .key = "/t/k", .value = "3", .expected_mod_revision = first}});
  ASSERT_TRUE(txn.ok()) << txn.status();
  EXPECT_FALSE(txn->succeeded);
  EXPECT_EQ(MustGet("/t/k").value, "2");
}

TEST_P(StoreConformanceTest, TxnRejectsOneKeyTwiceAndEmptyOnes) {
  absl::StatusOr<TxnResult> twice =
      store_->Txn({{.kind = Kind::kCreate, .key = "/t/k", .value = "1"},
                   {.kind = Kind::kDelete, .key = "/t/k"}});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Txn({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Txn({{.kind = Kind::kCreate, .key = ""}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectMissing("/t/k", kLatest);
}

TEST_P(StoreConformanceTest, TxnWritesReachWatchersWithTheirPreviousValues) {
  int64_t created = MustCreate("/t/gone", "x");
  WatchStreamPtr stream = MustWatch("/t/", MustCurrentRevision());
  absl::StatusOr<TxnResult> txn =
      store_->Txn({{.kind = Kind::kCreate, .key = "/t/new", .value = "n"},
                   {.kind = Kind::kDelete, .key = "/t/gone"}});
  ASSERT_TRUE(txn.ok() && txn->succeeded);
  std::vector<Event> events = NextEvents(*stream, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kPut);
  EXPECT_EQ(events[0].kv, *txn->results[0].kv);
  EXPECT_EQ(events[1].type, EventType::kDelete);
  ASSERT_TRUE(events[1].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->mod_revision, created);
  ExpectNoEvents(*stream);
}

TEST_P(StoreConformanceTest, ConcurrentTxnsClaimingOneKeyHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      absl::StatusOr<TxnResult> txn =
          store_->Txn({{.kind = Kind::kCreate, .key = absl::StrCat("/t/own/", t), .value = "v"},
                       {.kind = Kind::kCreate, .key = "/t/claim", .value = absl::StrCat(t)}});
      if (txn.ok() && txn->succeeded) ++won;
      if (txn.ok() && !txn->succeeded) ++lost;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
  absl::StatusOr<ListResult> own = store_->List({.prefix = "/t/own/"});
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->kvs.size(), 1u) << "only the winner's other key is written";
  EXPECT_EQ(own->kvs[0].key, absl::StrCat("/t/own/", MustGet("/t/claim").value));
}

}  // namespace
}  // namespace sluice::store
