#include "control/store/store_write_load.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace sluice::store {

WriteLoad::WriteLoad(const std::string& store, const std::string& prefix, int threads) {
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
  std::vector<char*> argv = {const_cast<char*>(helper), const_cast<char*>(store.c_str()),
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

WriteLoad::~WriteLoad() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) close(out_);
}

bool WriteLoad::WaitFor(size_t count, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (acknowledged_.size() < count && absl::Now() < deadline) {
    if (!ReadSome()) return false;
  }
  return acknowledged_.size() >= count;
}

const Acknowledged& WriteLoad::Kill() {
  EXPECT_EQ(kill(pid_, SIGKILL), 0);
  int status = 0;
  EXPECT_EQ(waitpid(pid_, &status, 0), pid_);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "it died otherwise";
  pid_ = -1;
  while (ReadSome()) {
  }
  return acknowledged_;
}

bool WriteLoad::ReadSome() {
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

int64_t ExpectEveryWriteIn(Store& store, const Acknowledged& acknowledged,
                           int64_t previous_revision) {
  int64_t max_revision = 0;
  size_t lost = 0;
  for (const auto& [key, revision] : acknowledged) {
    absl::StatusOr<std::optional<KeyValue>> kv = store.Get(key, kLatest);
    if (!kv.ok()) {
      ADD_FAILURE() << "get " << key << ": " << kv.status();
      return 0;
    }
    if (!kv->has_value()) {
      if (++lost <= 10) ADD_FAILURE() << "acknowledged " << key << " at " << revision << " is lost";
      continue;
    }
    EXPECT_EQ((*kv)->mod_revision, revision) << key;
    EXPECT_EQ((*kv)->value, key);
    max_revision = std::max(max_revision, revision);
  }
  EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GT(max_revision, previous_revision) << "revisions go on across crashes";
  absl::StatusOr<int64_t> current = store.CurrentRevision();
  EXPECT_TRUE(current.ok()) << current.status();
  EXPECT_GE(current.value_or(0), max_revision);
  return current.value_or(0);
}

}  // namespace sluice::store
