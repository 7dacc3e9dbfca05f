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

}  // namespace sluice
