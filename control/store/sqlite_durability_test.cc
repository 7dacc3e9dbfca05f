// An acknowledged write survives kill -9: a real process writes under load,
// gets SIGKILL mid-load, and every write it had acknowledged is in the file.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "control/store/sqlite_store.h"
#include "gtest/gtest.h"

extern char** environ;

namespace sluice::store {
namespace {

// Writes acknowledged before the kill, key to revision.
using Acknowledged = std::map<std::string, int64_t>;

class WriteLoad {
 public:
  // Starts the helper writing to `db` from `threads` threads.
  WriteLoad(const std::string& db, const std::string& prefix, int threads) {
    const char* helper = std::getenv("STORE_WRITE_HELPER");
    if (helper == nullptr) {
      ADD_FAILURE() << "STORE_WRITE_HELPER is not set";
      return;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::string threads_arg = absl::StrCat(threads);
    std::vector<char*> argv = {const_cast<char*>(helper), const_cast<char*>(db.c_str()),
                               const_cast<char*>(prefix.c_str()), threads_arg.data(), nullptr};
    int rc = posix_spawn(&pid_, helper, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << helper << ": " << rc;
      pid_ = -1;
    }
  }
  ~WriteLoad() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // Reads acknowledgements until there are at least `count`.
  bool WaitFor(size_t count, absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (acknowledged_.size() < count && absl::Now() < deadline) {
      if (!ReadSome()) return false;
    }
    return acknowledged_.size() >= count;
  }

  // SIGKILL, then the acknowledgements it printed before it died.
  const Acknowledged& Kill() {
    EXPECT_EQ(kill(pid_, SIGKILL), 0);
    int status = 0;
    EXPECT_EQ(waitpid(pid_, &status, 0), pid_);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "it died otherwise";
    pid_ = -1;
    while (ReadSome()) {
    }
    return acknowledged_;
  }

 private:
  // Reads what is in the pipe; false at its end.
  bool ReadSome() {
    char buffer[4096];
    ssize_t n = read(out_, buffer, sizeof(buffer));
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    size_t end;
    while ((end = pending_.find('\n')) != std::string::npos) {
      std::vector<std::string> fields = absl::StrSplit(pending_.substr(0, end), ' ');
      pending_.erase(0, end + 1);
      int64_t revision = 0;
      EXPECT_EQ(fields.size(), 2u);
      if (fields.size() == 2 && absl::SimpleAtoi(fields[1], &revision)) {
        acknowledged_[fields[0]] = revision;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string pending_;
  Acknowledged acknowledged_;
};

class SqliteDurabilityTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string dir = testing::TempDir() + "sqlite_durability_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
};

TEST_F(SqliteDurabilityTest, EveryAcknowledgedWriteSurvivesKill9MidLoad) {
  const std::string db = dir_ + "/store.db";
  int64_t last_revision = 0;
  // Three crashes in a row: recovery from one must leave a file that survives
  // the next.
  for (int round = 0; round < 3; ++round) {
    Acknowledged acknowledged;
    {
      WriteLoad load(db, absl::StrCat("/load/", round, "/"), 4);
      ASSERT_TRUE(load.WaitFor(500, absl::Seconds(120))) << "the helper wrote too little";
      acknowledged = load.Kill();
    }
    absl::StatusOr<StorePtr> store = SqliteStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    int64_t max_revision = 0;
    for (const auto& [key, revision] : acknowledged) {
      absl::StatusOr<std::optional<KeyValue>> kv = (*store)->Get(key, kLatest);
      ASSERT_TRUE(kv.ok()) << kv.status();
      ASSERT_TRUE(kv->has_value()) << "round " << round << ": acknowledged " << key
                                   << " at revision " << revision << " is lost";
      EXPECT_EQ((*kv)->mod_revision, revision) << key;
      EXPECT_EQ((*kv)->value, key);
      max_revision = std::max(max_revision, revision);
    }
    int64_t current = (*store)->CurrentRevision().value_or(0);
    EXPECT_GE(current, max_revision);
    EXPECT_GT(max_revision, last_revision) << "revisions go on across crashes";
    last_revision = current;
  }
}

}  // namespace
}  // namespace sluice::store
