// The durability tests' write load: store_write_helper in a child process,
// creating keys until it is killed, and the writes it acknowledged.
#ifndef SLUICE_CONTROL_STORE_STORE_WRITE_LOAD_H_
#define SLUICE_CONTROL_STORE_STORE_WRITE_LOAD_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "control/store/store.h"

namespace sluice::store {

// Writes acknowledged before the kill, key to revision.
using Acknowledged = std::map<std::string, int64_t>;

class WriteLoad {
 public:
  // Starts $STORE_WRITE_HELPER writing to `store` (a SQLite path or an etcd://
  // URL, as OpenStore takes) from `threads` threads.
  WriteLoad(const std::string& store, const std::string& prefix, int threads);
  ~WriteLoad();

  // Reads acknowledgements until there are at least `count`.
  bool WaitFor(size_t count, absl::Duration timeout);
  // SIGKILL, then the acknowledgements it printed before it died.
  const Acknowledged& Kill();
  const Acknowledged& acknowledged() const { return acknowledged_; }

 private:
  // Reads what is in the pipe; false at its end.
  bool ReadSome();

  pid_t pid_ = -1;
  int out_ = -1;
  std::string pending_;
  Acknowledged acknowledged_;
};

// Checks that `store` has every acknowledged write, with its revision and
// value (the key), and that the writes' revisions went on past
// `previous_revision` (the store's after the last crash). Returns the store's
// current revision.
int64_t ExpectEveryWriteIn(Store& store, const Acknowledged& acknowledged,
                           int64_t previous_revision);

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_STORE_WRITE_LOAD_H_
