// What is particular to the SQLite backend: the file, the table, group commit,
// and the watch hub's window. The Store semantics are in the conformance suite.
#include "control/store/sqlite_store.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/store/sqlite_db.h"
#include "control/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::store {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class SqliteStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string dir = testing::TempDir() + "sqlite_store_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    path_ = dir_ + "/store.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<SqliteStore> MustOpen(const SqliteStore::Options& options = {}) {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A connection of our own to the store's file, to look at the table.
  std::unique_ptr<sqlite::Connection> Raw() {
    absl::StatusOr<std::unique_ptr<sqlite::Connection>> db = sqlite::Connection::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  int64_t Query(const std::string& sql) {
    absl::StatusOr<int64_t> value = Raw()->QueryInt(sql);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.value_or(-1);
  }

  // A window of two events and catch-up reads of three rows, so that streams
  // fall behind the window and read the log.
  static SqliteStore::Options TinyWindow() {
    SqliteStore::Options options;
    options.watch.window_events = 2;
    options.watch.catch_up_chunk = 3;
    return options;
  }

  std::string dir_;
  std::string path_;
};

void WriteHistory(Store& store, const std::string& prefix, int count) {
  std::vector<Event> events;
  for (int i = 0; i < count; ++i) {
    std::string key = absl::StrCat(prefix, i % 3);
    absl::StatusOr<std::optional<KeyValue>> current = store.Get(key, kLatest);
    EXPECT_TRUE(current.ok());
    if (!current->has_value()) {
      EXPECT_TRUE(store.Create(key, absl::StrCat(i)).ok());
    } else if (i % 4 == 0) {
      EXPECT_TRUE(store.Delete(key, kUnconditional).ok());
    } else {
      EXPECT_TRUE(store.Update(key, absl::StrCat(i), (*current)->mod_revision).ok());
    }
  }
}

TEST_F(SqliteStoreTest, FileIsInWalMode) {
  auto store = MustOpen();
  absl::StatusOr<std::string> mode = Raw()->QueryText("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok()) << mode.status();
  EXPECT_EQ(*mode, "wal");
}

TEST_F(SqliteStoreTest, NewStoreIsAtRevisionOneAndWritesFromTwo) {
  auto store = MustOpen();
  EXPECT_EQ(store->CurrentRevision().value_or(0), 1);
  EXPECT_EQ(store->Create("/a", "v").value_or(0), 2);
}

TEST_F(SqliteStoreTest, WritesFromOneRevisionCollideOnTheUniqueIndex) {
  auto store = MustOpen();
  ASSERT_TRUE(store->Create("/a", "v").ok());
  // A second creator of /a from nothing, as another process would write it.
  absl::Status status = Raw()->Exec(
      "INSERT INTO kv (name, deleted, create_revision, prev_revision, version, value) "
      "VALUES (CAST('/a' AS BLOB), 0, 0, 0, 1, CAST('x' AS BLOB))");
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_THAT(status.message(), HasSubstr("UNIQUE"));
}

TEST_F(SqliteStoreTest, CompactionLeavesOneRowPerLiveKey) {
  auto store = MustOpen();
  int64_t revision = store->Create("/a", "0").value_or(0);
  for (int i = 1; i < 10; ++i) revision = store->Update("/a", "x", revision)->revision;
  ASSERT_TRUE(store->Create("/gone", "v").ok());
  ASSERT_TRUE(store->Delete("/gone", kUnconditional).ok());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM kv"), 12);
  ASSERT_TRUE(store->Compact(store->CurrentRevision().value_or(0)).ok());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM kv"), 1);
  EXPECT_EQ(Query("SELECT id FROM kv"), revision);
}

TEST_F(SqliteStoreTest, StreamBehindTheWindowCatchesUpFromTheLog) {
  auto store = MustOpen(TinyWindow());
  int64_t start = store->CurrentRevision().value_or(0);
  WriteHistory(*store, "/h/", 5);
  absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{.after_revision = start});
  ASSERT_TRUE(stream.ok());
  WriteHistory(*store, "/h/", 20);
  std::vector<Event> events = NextEvents(**stream, 25);
  std::vector<int64_t> expected;
  for (int64_t r = start + 1; r <= start + 25; ++r) expected.push_back(r);
  EXPECT_THAT(Revisions(events), ElementsAreArray(expected));
}

TEST_F(SqliteStoreTest, StreamsMoveBetweenLogAndWindowWhileWritesGoOnWithoutLossOrRepeat) {
  SqliteStore::Options options;
  options.watch.window_events = 16;
  options.watch.catch_up_chunk = 7;
  auto store = MustOpen(options);
  int64_t start = store->CurrentRevision().value_or(0);
  WriteHistory(*store, "/h/", 40);
  constexpr int kWrites = 400;
  std::thread writer([&] { WriteHistory(*store, "/h/", kWrites); });
  std::vector<int64_t> expected;
  for (int64_t r = start + 1; r <= start + 40 + kWrites; ++r) expected.push_back(r);
  std::vector<std::thread> readers;
  std::vector<std::vector<int64_t>> seen(4);
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, i] {
      absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{.after_revision = start});
      ASSERT_TRUE(stream.ok());
      seen[i] = Revisions(NextEvents(**stream, expected.size(), absl::Seconds(60)));
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  for (const std::vector<int64_t>& revisions : seen) EXPECT_EQ(revisions, expected);
}

TEST_F(SqliteStoreTest, EventsReadFromTheLogEqualThoseFannedOutFromMemory) {
  std::vector<Event> live;
  int64_t start;
  {
    auto store = MustOpen();
    start = store->CurrentRevision().value_or(0);
    absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{.after_revision = start});
    ASSERT_TRUE(stream.ok());
    WriteHistory(*store, "/h/", 30);
    live = NextEvents(**stream, 30);
  }
  // A new process has an empty window: the same watch reads the log.
  auto store = MustOpen();
  absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{.after_revision = start});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(NextEvents(**stream, 30), live);
}

TEST_F(SqliteStoreTest, StreamBehindTheWindowPastACompactionGetsCompacted) {
  auto store = MustOpen(TinyWindow());
  absl::StatusOr<WatchStreamPtr> stream =
      store->Watch(WatchOptions{.after_revision = store->CurrentRevision().value_or(0)});
  ASSERT_TRUE(stream.ok());
  WriteHistory(*store, "/h/", 10);
  ASSERT_TRUE(store->Compact(store->CurrentRevision().value_or(0)).ok());
  absl::Status status = (*stream)->Next(absl::Seconds(5)).status();
  EXPECT_TRUE(IsCompacted(status)) << status;
  EXPECT_TRUE(IsCompacted((*stream)->Next(absl::ZeroDuration()).status())) << "and stays failed";
}

TEST_F(SqliteStoreTest, ClosingTheStoreCancelsItsStreams) {
  auto store = MustOpen();
  absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{});
  ASSERT_TRUE(stream.ok());
  store.reset();
  EXPECT_EQ((*stream)->Next(absl::Seconds(5)).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(SqliteStoreTest, DestroyedStreamIsForgottenAndNotCalledBack) {
  auto store = MustOpen();
  std::atomic<int> calls{0};
  absl::StatusOr<WatchStreamPtr> stream =
      store->Watch(WatchOptions{.on_ready = [&calls] { ++calls; }});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(store->watch_count(), 1u);
  stream->reset();
  EXPECT_EQ(store->watch_count(), 0u);
  ASSERT_TRUE(store->Create("/a", "v").ok());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(SqliteStoreTest, ConcurrentWritersShareCommits) {
  auto store = MustOpen();
  constexpr int kThreads = 16, kPerThread = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(store->Create(absl::StrCat("/g/", t, "/", i), "v").ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  sqlite::Committer::Stats stats = store->commit_stats();
  EXPECT_EQ(stats.ops, kThreads * kPerThread);
  EXPECT_LT(stats.commits, stats.ops) << "no two writers shared an fsync";
}

TEST_F(SqliteStoreTest, RefusesAFileOfAnotherSchemaVersion) {
  ASSERT_TRUE(Raw()->Exec("PRAGMA user_version=99").ok());
  absl::Status status = SqliteStore::Open(path_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("schema version 99"));
}

TEST_F(SqliteStoreTest, RefusesADatabaseThatIsNotAStore) {
  ASSERT_TRUE(Raw()->Exec("CREATE TABLE users (name TEXT)").ok());
  absl::Status status = SqliteStore::Open(path_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << "this is not an SQLite file, and it is long enough to have a header";
  absl::Status status = SqliteStore::Open(path_).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(path_));
}

TEST_F(SqliteStoreTest, OpenFailsInAMissingDirectory) {
  absl::Status status = SqliteStore::Open(dir_ + "/missing/store.db").status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("missing/store.db"));
}

}  // namespace
}  // namespace sluice::store
