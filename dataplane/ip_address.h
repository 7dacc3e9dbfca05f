// An IPv4 or IPv6 address as the control side handles it, convertible to the
// ABI's union lb_addr.
#ifndef SLUICE_DATAPLANE_IP_ADDRESS_H_
#define SLUICE_DATAPLANE_IP_ADDRESS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataplane/abi/lb_abi.h"

namespace sluice {

enum class IpFamily : uint8_t { kV4 = LB_AF_INET, kV6 = LB_AF_INET6 };

class IpAddress {
 public:
  IpAddress() = default;
  static absl::StatusOr<IpAddress> Parse(absl::string_view text);
  static IpAddress FromV4(uint32_t host_order);
  static IpAddress FromAbi(const union lb_addr& addr, uint8_t family);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  union lb_addr ToAbi() const;
  uint8_t abi_family() const { return static_cast<uint8_t>(family_); }
  std::string ToString() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};  // IPv4 in the first four bytes, rest zero
};

// An address prefix ("10.244.0.0/16", "fd00::/64").
class IpPrefix {
 public:
  static absl::StatusOr<IpPrefix> Parse(absl::string_view text);
  bool Contains(const IpAddress& a) const;
  const IpAddress& address() const { return address_; }
  int length() const { return length_; }
  std::string ToString() const;

 private:
  IpAddress address_;
  int length_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_DATAPLANE_IP_ADDRESS_H_
