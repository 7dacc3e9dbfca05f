#include "tools/nameserver/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/nameserver/protocol.h"

namespace sluice::testserver {

const char kServeUsage[] =
    "usage: sluice-testserver serve --name NAME --port PORT [--port PORT...]\n"
    "                               [--ready-fd FD] [--idle-timeout-ms MS]\n"
    "  Answers TCP and UDP on [::]:PORT (IPv4 too) with NAME; see protocol.h.\n"
    "  --ready-fd FD         write one byte to FD and close it once listening\n"
    "  --idle-timeout-ms MS  close a TCP connection silent for MS (default 60000, 0: never)";

namespace {

// Many threads for a test's burst of connections, but a bound on them.
constexpr int kMaxConnections = 1024;
std::atomic<int> connections{0};

struct Listener {
  int fd;
  bool tcp;
};

absl::Status Errno(absl::string_view what) {
  return absl::ErrnoToStatus(errno, what);
}

absl::StatusOr<int> Listen(int type, int port) {
  int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  int off = 0, on = 1;
  // Dual-stack, so one socket serves both families.
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (type == SOCK_DGRAM) {
    // The destination of each datagram, so that the answer leaves from it.
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  }
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_any;
  addr.sin6_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return Errno(absl::StrCat("bind [::]:", port, type == SOCK_STREAM ? "/tcp" : "/udp"));
  }
  if (type == SOCK_STREAM && listen(fd, 256) != 0) return Errno("listen");
  return fd;
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(n);
  }
  return true;
}

// Waits for input up to the idle timeout; false on timeout or error.
bool WaitReadable(int fd, int idle_ms) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = poll(&p, 1, idle_ms > 0 ? idle_ms : -1);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

void Echo(int fd, std::string pending, int idle_ms) {
  if (!SendAll(fd, pending)) return;
  char buf[16384];
  for (;;) {
    if (!WaitReadable(fd, idle_ms)) return;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!SendAll(fd, absl::string_view(buf, n))) return;
  }
  shutdown(fd, SHUT_WR);
}

void ServeTcp(int fd, std::string name, int idle_ms) {
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (idle_ms > 0) {
    // A client that stops reading must not pin this thread forever.
    timeval tv{idle_ms / 1000, (idle_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  std::string buf;
  if (SendAll(fd, name + "\n")) {
    for (;;) {
      size_t nl = buf.find('\n');
      if (nl == std::string::npos) {
        if (buf.size() > kMaxLineLength || !WaitReadable(fd, idle_ms)) break;
        char chunk[256];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf.append(chunk, n);
        continue;
      }
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (line == "PEER") {
        const auto* sa = reinterpret_cast<const sockaddr*>(&peer);
        if (!SendAll(fd, absl::StrCat("PEER ", FormatAddr(sa), " ", AddrPort(sa), "\n"))) break;
      } else if (line == "ECHO") {
        Echo(fd, std::move(buf), idle_ms);
        break;
      } else {
        if (line != "QUIT") SendAll(fd, "ERR unknown command\n");
        break;
      }
    }
  }
  close(fd);
  --connections;
}

void AcceptTcp(int listener, const std::string& name, int idle_ms) {
  int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  if (++connections > kMaxConnections) {
    --connections;
    close(fd);
    return;
  }
  std::thread(ServeTcp, fd, name, idle_ms).detach();
}

void AnswerUdp(int fd, const std::string& name) {
  static char buf[65536];
  sockaddr_in6 peer{};
  alignas(cmsghdr) char control[256];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_name = &peer;
  msg.msg_namelen = sizeof peer;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return;
  in6_pktinfo dst{};
  bool have_dst = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      memcpy(&dst, CMSG_DATA(c), sizeof dst);
      have_dst = true;
    }
  }
  std::string answer =
      UdpAnswer(name, absl::string_view(buf, n), reinterpret_cast<const sockaddr*>(&peer));
  iovec out_iov{answer.data(), answer.size()};
  msghdr out{};
  out.msg_name = &peer;
  out.msg_namelen = msg.msg_namelen;
  out.msg_iov = &out_iov;
  out.msg_iovlen = 1;
  alignas(cmsghdr) char out_control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  if (have_dst) {
    // The answer's source is the address the client asked, whichever
    // interface routing picks; IPv4 arrives v4-mapped and goes back so.
    dst.ipi6_ifindex = 0;
    out.msg_control = out_control;
    out.msg_controllen = sizeof out_control;
    cmsghdr* c = CMSG_FIRSTHDR(&out);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof dst);
    memcpy(CMSG_DATA(c), &dst, sizeof dst);
  }
  if (sendmsg(fd, &out, MSG_DONTWAIT) < 0) {
    std::cerr << "sluice-testserver " << name << ": udp answer: " << strerror(errno) << "\n";
  }
}

}  // namespace

absl::Status RunServe(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"--name", "--port", "--ready-fd", "--idle-timeout-ms"});
  if (!flags.ok()) return flags.status();
  std::string name = flags->Get("--name");
  if (!ValidName(name)) {
    return absl::InvalidArgumentError("--name must be 1 to 32 of [A-Za-z0-9._-]");
  }
  auto idle_ms = flags->GetInt("--idle-timeout-ms", 60000, 0, 86400000);
  if (!idle_ms.ok()) return idle_ms.status();
  auto ready_fd = flags->GetInt("--ready-fd", -1, 0, 1 << 20);
  if (!ready_fd.ok()) return ready_fd.status();
  std::vector<std::string> ports = flags->GetAll("--port");
  if (ports.empty()) return absl::InvalidArgumentError("--port is required");

  std::vector<Listener> listeners;
  for (const std::string& p : ports) {
    int port;
    if (!absl::SimpleAtoi(p, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port \"", p, "\""));
    }
    for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
      absl::StatusOr<int> fd = Listen(type, port);
      if (!fd.ok()) return fd.status();
      listeners.push_back({*fd, type == SOCK_STREAM});
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (*ready_fd >= 0) {
    (void)!write(static_cast<int>(*ready_fd), "1", 1);
    close(static_cast<int>(*ready_fd));
  }
  std::vector<pollfd> fds;
  for (const Listener& l : listeners) fds.push_back({l.fd, POLLIN, 0});
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Errno("poll");
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      if (listeners[i].tcp) {
        AcceptTcp(fds[i].fd, name, static_cast<int>(*idle_ms));
      } else {
        AnswerUdp(fds[i].fd, name);
      }
    }
  }
}

}  // namespace sluice::testserver
