#include "tools/nameserver/net_util.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sluice::testserver {

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

int RemainingMs(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

bool WaitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, RemainingMs(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the next call report the error
  }
}

int ConnectWithin(int fd, const SockAddr& to, Deadline deadline) {
  if (connect(fd, to.get(), to.len) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  if (!WaitFor(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

int SendWithin(int fd, absl::string_view data, Deadline deadline) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return errno;
    if (!WaitFor(fd, POLLOUT, deadline)) return ETIMEDOUT;
  }
  return 0;
}

int LineReader::Fill(Deadline deadline) {
  for (;;) {
    char chunk[512];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buf_.append(chunk, n);
      return 0;
    }
    if (n == 0) return ECONNRESET;
    if (errno != EAGAIN && errno != EINTR) return errno;
    if (!WaitFor(fd_, POLLIN, deadline)) return ETIMEDOUT;
  }
}

int LineReader::ReadLine(std::string* line, Deadline deadline) {
  for (;;) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      *line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return 0;
    }
    if (buf_.size() > kMaxLineLength) return EPROTO;
    if (int err = Fill(deadline); err != 0) return err;
  }
}

int LineReader::WaitEof(Deadline deadline) {
  for (;;) {
    buf_.clear();
    int err = Fill(deadline);
    if (err == ECONNRESET) return 0;  // the orderly end
    if (err != 0) return err;
  }
}

}  // namespace sluice::testserver
