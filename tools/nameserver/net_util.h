// Non-blocking socket steps, each bounded by a deadline, so that a client
// never hangs on a broken network.
#ifndef SLUICE_TOOLS_NAMESERVER_NET_UTIL_H_
#define SLUICE_TOOLS_NAMESERVER_NET_UTIL_H_

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "tools/nameserver/protocol.h"

namespace sluice::testserver {

using Deadline = std::chrono::steady_clock::time_point;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&&) = delete;
  ~Socket();
  int get() const { return fd_; }

 private:
  int fd_;
};

// Milliseconds left, for poll(): at least 0.
int RemainingMs(Deadline deadline);

// Waits until `fd` has one of `events` (or an error or hang-up); false when
// the deadline passes first.
bool WaitFor(int fd, short events, Deadline deadline);

// Each returns 0, or an errno value (ETIMEDOUT when the deadline passed).
int ConnectWithin(int fd, const SockAddr& to, Deadline deadline);
int SendWithin(int fd, absl::string_view data, Deadline deadline);

// Reads newline-ended lines from a stream socket, keeping what follows.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The next line without its newline; ECONNRESET when the stream ends first.
  int ReadLine(std::string* line, Deadline deadline);
  // Reads and drops data until the peer closes.
  int WaitEof(Deadline deadline);
  // What was read past the last line.
  std::string TakeBuffered() { return std::exchange(buf_, {}); }

 private:
  int Fill(Deadline deadline);
  int fd_;
  std::string buf_;
};

}  // namespace sluice::testserver

#endif  // SLUICE_TOOLS_NAMESERVER_NET_UTIL_H_
