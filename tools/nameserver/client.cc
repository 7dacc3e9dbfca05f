#include "tools/nameserver/client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/nameserver/net_util.h"
#include "tools/nameserver/protocol.h"
#include "tools/nameserver/stream.h"

namespace sluice::testserver {

const char kClientUsage[] =
    "usage: sluice-testserver client MODE --addr ADDR --port PORT [flags]\n"
    "  ADDR is a numeric IPv4 or IPv6 address. Each mode prints one JSON line.\n"
    "  names       --count N (1) --proto tcp|udp (tcp) --timeout-ms MS (1000) [--peer]\n"
    "              N connections (or datagrams, each from a new socket): the name\n"
    "              that answered each, counts per name, errors by kind\n"
    "              (refused, timeout, unreachable, reset, other); --peer adds the\n"
    "              client address each backend saw\n"
    "  tcp-stream  --duration-ms MS (1000) --rate BYTES_PER_S (1000000) --timeout-ms MS (2000)\n"
    "              one echoed connection: bytes sent and received, mismatches,\n"
    "              the longest wait for echoed data\n"
    "  udp-stream  --duration-ms MS (1000) --pps N (1000) --size BYTES (64) --timeout-ms MS "
    "(1000)\n"
    "              one flow of numbered datagrams: sent, received, lost, duplicates,\n"
    "              names, backend switches, the longest silence";

namespace {

using Clock = std::chrono::steady_clock;

// One attempt of `names`: the name, or the kind of error.
struct Answer {
  std::string name;
  std::string error;  // empty on success
  std::string peer;
};

Answer Failed(std::string kind) {
  Answer a;
  a.error = std::move(kind);
  return a;
}

std::string ErrorKind(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "refused";
    case ETIMEDOUT:
      return "timeout";
    case EHOSTUNREACH:
    case ENETUNREACH:
      return "unreachable";
    case ECONNRESET:
    case EPIPE:
      return "reset";
    default:
      return "other";
  }
}

Answer AskTcp(const SockAddr& to, bool peer, Deadline deadline) {
  Socket s(socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (int err = ConnectWithin(s.get(), to, deadline); err != 0) return Failed(ErrorKind(err));
  LineReader reader(s.get());
  std::string name;
  if (int err = reader.ReadLine(&name, deadline); err != 0) return Failed(ErrorKind(err));
  if (!ValidName(name)) return Failed("other");
  Answer a;
  a.name = name;
  if (peer) {
    std::string line;
    if (int err = SendWithin(s.get(), "PEER\n", deadline); err != 0) return Failed(ErrorKind(err));
    if (int err = reader.ReadLine(&line, deadline); err != 0) return Failed(ErrorKind(err));
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 3 || parts[0] != "PEER") return Failed("other");
    a.peer = parts[1];
  }
  // The server closes first, so its side keeps TIME_WAIT and a client making
  // thousands of connections never runs out of ports.
  SendWithin(s.get(), "QUIT\n", deadline);
  reader.WaitEof(deadline);
  return a;
}

Answer AskUdp(const SockAddr& to, bool peer, Deadline deadline) {
  // A new socket each time: a new source port, so a new flow for the balancer.
  Socket s(socket(to.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (connect(s.get(), to.get(), to.len) != 0) return Failed(ErrorKind(errno));
  absl::string_view ask = peer ? "PEER" : "?";
  if (send(s.get(), ask.data(), ask.size(), 0) < 0) return Failed(ErrorKind(errno));
  char buf[65536];
  for (;;) {
    if (!WaitFor(s.get(), POLLIN, deadline)) return Failed("timeout");
    ssize_t n = recv(s.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return Failed(ErrorKind(errno));
    std::optional<UdpReply> r = ParseUdpReply(absl::string_view(buf, n));
    if (!r) return Failed("other");
    Answer a;
    a.name = r->name;
    if (peer) {
      std::vector<std::string> parts = absl::StrSplit(r->payload, absl::ByAnyChar(" \n"));
      if (parts.size() < 3 || parts[0] != "PEER") return Failed("other");
      a.peer = parts[1];
    }
    return a;
  }
}

absl::StatusOr<int> Names(const Flags& f, const SockAddr& to, std::ostream& out) {
  auto count = f.GetInt("--count", 1, 1, 1000000);
  auto timeout = f.GetInt("--timeout-ms", 1000, 1, 600000);
  for (const auto* v : {&count, &timeout}) {
    if (!v->ok()) return v->status();
  }
  std::string proto = f.Get("--proto", "tcp");
  if (proto != "tcp" && proto != "udp") return absl::InvalidArgumentError("--proto is tcp or udp");
  bool peer = f.Has("--peer");
  std::vector<std::string> names, peers;
  std::map<std::string, int64_t> counts, errors;
  for (int64_t i = 0; i < *count; ++i) {
    Deadline deadline = Clock::now() + std::chrono::milliseconds(*timeout);
    Answer a = proto == "tcp" ? AskTcp(to, peer, deadline) : AskUdp(to, peer, deadline);
    if (!a.error.empty()) {
      ++errors[a.error];
      names.push_back("");
      continue;
    }
    ++counts[a.name];
    names.push_back(a.name);
    if (peer) peers.push_back(a.peer);
  }
  int64_t ok = *count;
  for (const auto& [kind, n] : errors) ok -= n;
  out << "{\"proto\": " << JsonString(proto) << ", \"count\": " << *count << ", \"ok\": " << ok
      << ", \"names\": " << JsonStrings(names) << ", \"counts\": " << JsonCounts(counts)
      << ", \"errors\": " << JsonCounts(errors) << ", \"peers\": " << JsonStrings(peers) << "}\n";
  return ok == *count ? 0 : 1;
}

}  // namespace

absl::StatusOr<int> RunClient(const std::vector<std::string>& args, std::ostream& out) {
  if (args.empty()) return absl::InvalidArgumentError("client needs a mode");
  const std::string& mode = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto flags = Flags::Parse(rest,
                            {"--addr", "--port", "--count", "--proto", "--timeout-ms",
                             "--duration-ms", "--rate", "--pps", "--size"},
                            {"--peer"});
  if (!flags.ok()) return flags.status();
  auto port = flags->GetInt("--port", 0, 1, 65535);
  if (!port.ok()) return port.status();
  absl::StatusOr<SockAddr> to = ParseSockAddr(flags->Get("--addr"), static_cast<int>(*port));
  if (!to.ok()) return to.status();
  if (mode == "names") return Names(*flags, *to, out);
  if (mode == "tcp-stream") return TcpStream(*flags, *to, out);
  if (mode == "udp-stream") return UdpStream(*flags, *to, out);
  return absl::InvalidArgumentError(absl::StrCat("unknown client mode \"", mode, "\""));
}

}  // namespace sluice::testserver
