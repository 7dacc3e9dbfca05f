#include "dataplane/ip_address.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace sluice {

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::string s(text);
  IpAddress a;
  // inet_pton would stop at an embedded NUL and accept "10.0.0.1\0junk".
  if (s.find('\0') != std::string::npos)
    return absl::InvalidArgumentError("IP address contains a NUL byte");
  if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = IpFamily::kV4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = IpFamily::kV6;
    return a;
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a valid IP address"));
}

IpAddress IpAddress::FromV4(uint32_t host_order) {
  IpAddress a;
  uint32_t be = htonl(host_order);
  std::memcpy(a.bytes_.data(), &be, 4);
  return a;
}

IpAddress IpAddress::FromAbi(const union lb_addr& addr, uint8_t family) {
  IpAddress a;
  a.family_ = family == LB_AF_INET6 ? IpFamily::kV6 : IpFamily::kV4;
  std::memcpy(a.bytes_.data(), addr.b, a.is_v4() ? 4 : 16);
  return a;
}

union lb_addr IpAddress::ToAbi() const {
  union lb_addr out;
  std::memset(&out, 0, sizeof(out));
  std::memcpy(out.b, bytes_.data(), is_v4() ? 4 : 16);
  return out;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof(buf));
  return buf;
}

absl::StatusOr<IpPrefix> IpPrefix::Parse(absl::string_view text) {
  size_t slash = text.find('/');
  if (slash == absl::string_view::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a prefix (want ADDRESS/LENGTH)"));
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr.ok()) return addr.status();
  int len = 0;
  absl::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3)
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": bad prefix length"));
  for (char c : digits) {
    if (c < '0' || c > '9')
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": bad prefix length"));
    len = len * 10 + (c - '0');
  }
  if (len > (addr->is_v4() ? 32 : 128))
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": prefix length out of range"));
  IpPrefix p;
  p.address_ = *addr;
  p.length_ = len;
  return p;
}

bool IpPrefix::Contains(const IpAddress& a) const {
  if (a.family() != address_.family()) return false;
  int full = length_ / 8, rest = length_ % 8;
  for (int i = 0; i < full; ++i)
    if (a.bytes()[i] != address_.bytes()[i]) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes()[full] & mask) == (address_.bytes()[full] & mask);
}

std::string IpPrefix::ToString() const {
  return absl::StrCat(address_.ToString(), "/", length_);
}

}  // namespace sluice
