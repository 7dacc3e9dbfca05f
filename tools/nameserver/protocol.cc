#include "tools/nameserver/protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace sluice::testserver {

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

absl::StatusOr<SockAddr> ParseSockAddr(absl::string_view addr, int port) {
  if (port < 1 || port > 65535) return absl::InvalidArgumentError(absl::StrCat("bad port ", port));
  SockAddr out;
  std::string text(addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.len = sizeof(sockaddr_in);
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.len = sizeof(sockaddr_in6);
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", addr, "\" is not a numeric IPv4 or IPv6 address"));
}

std::string FormatAddr(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      inet_ntop(AF_INET, &a.s6_addr[12], buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &a, buf, sizeof buf);
    }
  }
  return buf;
}

int AddrPort(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  return 0;
}

std::string UdpAnswer(absl::string_view name, absl::string_view payload, const sockaddr* peer) {
  if (payload == "PEER") {
    return absl::StrCat(name, "\nPEER ", FormatAddr(peer), " ", AddrPort(peer), "\n");
  }
  return absl::StrCat(name, "\n", payload.substr(0, kMaxDatagram));
}

std::optional<UdpReply> ParseUdpReply(absl::string_view datagram) {
  size_t nl = datagram.find('\n');
  if (nl == absl::string_view::npos || !ValidName(datagram.substr(0, nl))) return std::nullopt;
  return UdpReply{std::string(datagram.substr(0, nl)), std::string(datagram.substr(nl + 1))};
}

std::string SeqPayload(uint64_t seq, size_t size) {
  std::string s = absl::StrCat("SEQ ", seq);
  if (s.size() < size) s.append(size - s.size(), '.');
  return s;
}

std::optional<uint64_t> ParseSeq(absl::string_view payload) {
  if (!absl::ConsumePrefix(&payload, "SEQ ")) return std::nullopt;
  size_t end = payload.find('.');
  uint64_t seq;
  if (!absl::SimpleAtoi(payload.substr(0, end), &seq)) return std::nullopt;
  return seq;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string JsonCounts(const std::map<std::string, int64_t>& counts) {
  std::string out = "{";
  for (const auto& [k, v] : counts) {
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", JsonString(k), ": ", v);
  }
  return out + "}";
}

std::string JsonStrings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items)
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", JsonString(s));
  return out + "]";
}

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args,
                                   const std::vector<std::string>& valued,
                                   const std::vector<std::string>& switches) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (std::find(switches.begin(), switches.end(), a) != switches.end()) {
      f.values_[a].push_back("true");
      continue;
    }
    if (std::find(valued.begin(), valued.end(), a) == valued.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument \"", a, "\""));
    }
    if (i + 1 == args.size()) return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
    f.values_[a].push_back(args[++i]);
  }
  return f;
}

std::string Flags::Get(absl::string_view flag, absl::string_view fallback) const {
  auto it = values_.find(std::string(flag));
  return it == values_.end() ? std::string(fallback) : it->second.back();
}

std::vector<std::string> Flags::GetAll(absl::string_view flag) const {
  auto it = values_.find(std::string(flag));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<int64_t> Flags::GetInt(absl::string_view flag, int64_t fallback, int64_t min,
                                      int64_t max) const {
  if (!Has(flag)) return fallback;
  int64_t v;
  if (!absl::SimpleAtoi(Get(flag), &v) || v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be a number from ", min, " to ",
                                                   max, ", not \"", Get(flag), "\""));
  }
  return v;
}

}  // namespace sluice::testserver
