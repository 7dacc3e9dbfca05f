#include "tools/nameserver/stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/str_format.h"
#include "tools/nameserver/net_util.h"

namespace sluice::testserver {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Durations {
  int64_t duration_ms, timeout_ms;
};

absl::StatusOr<Durations> ReadDurations(const Flags& f, int64_t default_timeout) {
  auto duration = f.GetInt("--duration-ms", 1000, 1, 3600000);
  if (!duration.ok()) return duration.status();
  auto timeout = f.GetInt("--timeout-ms", default_timeout, 1, 600000);
  if (!timeout.ok()) return timeout.status();
  return Durations{*duration, *timeout};
}

// The TCP stream's state, reported as JSON.
struct TcpReport {
  std::string name, error;
  int64_t sent = 0, received = 0, mismatched = 0;
  double max_gap_ms = 0, duration_ms = 0;

  int Print(std::ostream& out) const {
    out << absl::StrFormat(
        "{\"name\": %s, \"sent\": %d, \"received\": %d, \"mismatched\": %d, \"max_gap_ms\": %.1f, "
        "\"duration_ms\": %.1f, \"error\": %s}\n",
        JsonString(name), sent, received, mismatched, max_gap_ms, duration_ms, JsonString(error));
    return error.empty() && sent == received && mismatched == 0 ? 0 : 1;
  }
};

std::string ErrnoText(absl::string_view step, int err) {
  return absl::StrFormat("%s: %s", step, strerror(err));
}

void CheckEcho(TcpReport& r, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<uint8_t>(data[i]) != StreamByte(r.received + i)) ++r.mismatched;
  }
  r.received += n;
}

}  // namespace

absl::StatusOr<int> TcpStream(const Flags& f, const SockAddr& to, std::ostream& out) {
  auto d = ReadDurations(f, 2000);
  if (!d.ok()) return d.status();
  auto rate = f.GetInt("--rate", 1000000, 0, int64_t{1} << 40);  // 0: as fast as it goes
  if (!rate.ok()) return rate.status();

  TcpReport r;
  Socket s(socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  Deadline setup = Clock::now() + milliseconds(d->timeout_ms);
  if (int err = ConnectWithin(s.get(), to, setup); err != 0) {
    r.error = ErrnoText("connect", err);
    return r.Print(out);
  }
  int on = 1;
  setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  LineReader reader(s.get());
  if (int err = reader.ReadLine(&r.name, setup); err != 0) {
    r.error = ErrnoText("greeting", err);
    return r.Print(out);
  }
  if (int err = SendWithin(s.get(), "ECHO\n", setup); err != 0) {
    r.error = ErrnoText("ECHO", err);
    return r.Print(out);
  }
  std::string early = reader.TakeBuffered();
  CheckEcho(r, early.data(), early.size());

  const auto start = Clock::now();
  const auto end = start + milliseconds(d->duration_ms);
  auto waiting_since = start;  // since when echoed data is overdue
  std::vector<char> chunk(16384);
  char buf[65536];
  bool sending = true;
  Deadline drain_deadline = Deadline::max();
  for (;;) {
    auto now = Clock::now();
    if (sending && now >= end) {
      // Everything sent; the echo of the rest, then the server's close.
      shutdown(s.get(), SHUT_WR);
      sending = false;
      drain_deadline = now + milliseconds(d->timeout_ms);
    }
    if (!sending && now >= drain_deadline) {
      r.error = "echo not complete before --timeout-ms";
      break;
    }
    int64_t allowed = chunk.size();
    if (*rate > 0) {
      int64_t budget = static_cast<int64_t>(Ms(now - start) * *rate / 1000.0) - r.sent;
      allowed = std::clamp<int64_t>(budget, 0, chunk.size());
    }
    short events = POLLIN | (sending && allowed > 0 ? POLLOUT : 0);
    pollfd p{s.get(), events, 0};
    int wait = sending ? std::min(5, RemainingMs(end)) : RemainingMs(drain_deadline);
    if (poll(&p, 1, wait) < 0 && errno != EINTR) {
      r.error = ErrnoText("poll", errno);
      break;
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      ssize_t n = recv(s.get(), buf, sizeof buf, 0);
      if (n == 0) break;  // the server closed after our shutdown: complete
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        r.error = ErrnoText("recv", errno);
        break;
      }
      if (n > 0) {
        now = Clock::now();
        r.max_gap_ms = std::max(r.max_gap_ms, Ms(now - waiting_since));
        waiting_since = now;
        CheckEcho(r, buf, n);
      }
    }
    if ((p.revents & POLLOUT) && allowed > 0) {
      for (int64_t i = 0; i < allowed; ++i) chunk[i] = static_cast<char>(StreamByte(r.sent + i));
      ssize_t n = send(s.get(), chunk.data(), allowed, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        r.error = ErrnoText("send", errno);
        break;
      }
      if (n > 0) {
        if (r.sent == r.received) waiting_since = Clock::now();
        r.sent += n;
      }
    }
  }
  if (r.sent > r.received) r.max_gap_ms = std::max(r.max_gap_ms, Ms(Clock::now() - waiting_since));
  r.duration_ms = Ms(Clock::now() - start);
  return r.Print(out);
}

absl::StatusOr<int> UdpStream(const Flags& f, const SockAddr& to, std::ostream& out) {
  auto d = ReadDurations(f, 1000);
  if (!d.ok()) return d.status();
  auto pps = f.GetInt("--pps", 1000, 1, 100000);
  if (!pps.ok()) return pps.status();
  auto size = f.GetInt("--size", 64, 16, 1400);
  if (!size.ok()) return size.status();

  // One socket, one source port: one flow from start to end.
  Socket s(socket(to.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (connect(s.get(), to.get(), to.len) != 0) {
    return absl::InternalError(ErrnoText("connect", errno));
  }
  std::vector<uint8_t> seen;  // per sequence number: answers received
  std::map<std::string, int64_t> names;
  int64_t received = 0, duplicates = 0, refused = 0, switches = 0;
  std::string first, last;
  double max_gap_ms = 0;
  const auto start = Clock::now();
  const auto end = start + milliseconds(d->duration_ms);
  const auto drain_end = end + milliseconds(d->timeout_ms);
  auto last_answer = start;
  char buf[2048];
  for (;;) {
    auto now = Clock::now();
    if (now >= end && (received == static_cast<int64_t>(seen.size()) || now >= drain_end)) break;
    // Sends are scheduled from the start, so a slow loop catches up
    // instead of drifting.
    auto next_send = Clock::time_point::max();
    if (now < end) {
      for (;;) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seen.size() / double(*pps)));
        if (due > now || due >= end) {
          next_send = due;
          break;
        }
        std::string payload = SeqPayload(seen.size(), *size);
        if (send(s.get(), payload.data(), payload.size(), 0) < 0 && errno == ECONNREFUSED) {
          ++refused;  // an ICMP error from an earlier datagram
        }
        seen.push_back(0);
      }
    }
    auto wake = std::min(next_send, now < end ? end : drain_end);
    pollfd p{s.get(), POLLIN, 0};
    poll(&p, 1, std::max(0, std::min(RemainingMs(wake), 50)));
    for (;;) {
      ssize_t n = recv(s.get(), buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == ECONNREFUSED) {
          ++refused;
          continue;
        }
        break;
      }
      std::optional<UdpReply> reply = ParseUdpReply(absl::string_view(buf, n));
      std::optional<uint64_t> seq = reply ? ParseSeq(reply->payload) : std::nullopt;
      if (!seq || *seq >= seen.size()) continue;
      if (seen[*seq]++ != 0) {
        ++duplicates;
        continue;
      }
      ++received;
      auto at = Clock::now();
      max_gap_ms = std::max(max_gap_ms, Ms(at - last_answer));
      last_answer = at;
      ++names[reply->name];
      if (first.empty()) first = reply->name;
      if (!last.empty() && last != reply->name) ++switches;
      last = reply->name;
    }
  }
  if (last_answer < end) max_gap_ms = std::max(max_gap_ms, Ms(end - last_answer));
  int64_t sent = seen.size();
  out << absl::StrFormat(
      "{\"sent\": %d, \"received\": %d, \"lost\": %d, \"duplicates\": %d, \"refused\": %d, "
      "\"names\": %s, \"switches\": %d, \"first\": %s, \"last\": %s, \"max_gap_ms\": %.1f}\n",
      sent, received, sent - received, duplicates, refused, JsonCounts(names), switches,
      JsonString(first), JsonString(last), max_gap_ms);
  return sent == received ? 0 : 1;
}

}  // namespace sluice::testserver
