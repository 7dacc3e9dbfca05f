// Write load for the durability tests: creates keys from several threads until
// it is killed, and prints "<key> <revision>" for each write the store has
// acknowledged, after the acknowledgement. Whatever it printed must be in the
// store after a kill -9 (of this process, and of etcd).
//
// A failed write (etcd killed under it: its outcome is unknown) is not
// acknowledged; the thread goes on with the next key, and gives up after a run
// of failures.
//
// Usage: store_write_helper STORE KEY_PREFIX THREADS
//   STORE: a SQLite file, or etcd://host:port
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/store/store_open.h"

namespace {

constexpr int kMaxFailuresInARow = 20;

// One write(2) per line: lines from several threads do not interleave, and a
// line shorter than PIPE_BUF reaches the pipe whole or not at all.
bool PrintLine(const std::string& line) {
  return write(STDOUT_FILENO, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  if (argc != 4 || !absl::SimpleAtoi(argv[3], &threads) || threads < 1) {
    std::fprintf(stderr, "usage: %s STORE KEY_PREFIX THREADS\n", argv[0]);
    return 2;
  }
  absl::StatusOr<sluice::store::StorePtr> store = sluice::store::OpenStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  const std::string prefix = argv[2];
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      int failures = 0;
      for (int i = 0;; ++i) {
        std::string key = absl::StrCat(prefix, t, "/", i);
        absl::StatusOr<int64_t> revision = (*store)->Create(key, key);
        if (!revision.ok()) {
          std::fprintf(stderr, "%s\n", std::string(revision.status().message()).c_str());
          if (++failures == kMaxFailuresInARow) std::_Exit(1);
          continue;
        }
        failures = 0;
        if (!PrintLine(absl::StrCat(key, " ", *revision, "\n"))) std::_Exit(1);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  return 0;
}
