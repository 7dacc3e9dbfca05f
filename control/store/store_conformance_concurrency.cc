// Conformance: optimistic concurrency under real threads.
#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

constexpr int kThreads = 8;

TEST_P(StoreConformanceTest, ConcurrentUpdatersFromOneRevisionHaveExactlyOneWinner) {
  constexpr int kRounds = 20;
  int64_t expected = MustCreate("/contended", "start");
  for (int round = 0; round < kRounds; ++round) {
    std::latch start(kThreads);
    std::vector<absl::StatusOr<WriteResult>> results(kThreads, absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        results[t] = store_->Update("/contended", absl::StrCat(round, "/", t), expected);
      });
    }
    for (std::thread& thread : threads) thread.join();
    int winners = 0;
    int64_t winning_revision = 0;
    for (const absl::StatusOr<WriteResult>& result : results) {
      ASSERT_TRUE(result.ok()) << result.status();
      if (result->succeeded) {
        ++winners;
        winning_revision = result->revision;
      }
    }
    ASSERT_EQ(winners, 1) << "round " << round;
    for (const absl::StatusOr<WriteResult>& result : results) {
      if (result->succeeded) continue;
      ASSERT_TRUE(result->kv.has_value());
      EXPECT_EQ(result->kv->mod_revision, winning_revision) << "a loser sees the winner's write";
    }
    EXPECT_EQ(MustGet("/contended").mod_revision, winning_revision);
    expected = winning_revision;
  }
  EXPECT_EQ(MustGet("/contended").version, kRounds + 1);
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneKeyHaveExactlyOneWinner) {
  std::latch start(kThreads);
  std::atomic<int> created{0}, already_exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      absl::StatusOr<int64_t> revision = store_->Create("/once", absl::StrCat(t));
      if (revision.ok()) ++created;
      if (revision.status().code() == absl::StatusCode::kAlreadyExists) ++already_exists;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(already_exists.load(), kThreads - 1);
}

TEST_P(StoreConformanceTest, ConcurrentWritersGetDistinctRevisions) {
  constexpr int kPerThread = 50;
  std::vector<std::vector<int64_t>> revisions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<int64_t> revision = store_->Create(absl::StrCat("/w/", t, "/", i), "v");
        if (revision.ok()) revisions[t].push_back(*revision);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<int64_t> distinct;
  for (const std::vector<int64_t>& own : revisions) {
    ASSERT_EQ(own.size(), size_t{kPerThread});
    for (size_t i = 1; i < own.size(); ++i) EXPECT_GT(own[i], own[i - 1]);
    distinct.insert(own.begin(), own.end());
  }
  EXPECT_EQ(distinct.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(MustCurrentRevision(), *distinct.rbegin());
  absl::StatusOr<ListResult> list = store_->List(ListOptions{.prefix = "/w/"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->kvs.size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace sluice::store
