// A contiguous range of IP addresses of one family, addressed by offset, so
// that one allocator over offsets serves Service CIDRs and LoadBalancer pools.
#ifndef SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_IP_RANGE_H_
#define SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_IP_RANGE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataplane/ip_address.h"

namespace sluice::controllers {

class IpRange {
 public:
  // "10.96.0.0/16". With `reserve_ends`, the network address (and for IPv4
  // the broadcast address) are left out, as kube-apiserver's Service CIDR
  // allocator does; a pool of LoadBalancer IPs uses every address.
  static absl::StatusOr<IpRange> FromCidr(absl::string_view text, bool reserve_ends);
  // "192.168.1.10-192.168.1.20", both ends included; or a CIDR.
  static absl::StatusOr<IpRange> Parse(absl::string_view text);

  IpFamily family() const { return first_.family(); }
  uint64_t size() const { return size_; }
  // The offset of `address` from the first address, or nullopt outside.
  std::optional<uint64_t> OffsetOf(const IpAddress& address) const;
  IpAddress At(uint64_t offset) const;
  const std::string& text() const { return text_; }

 private:
  IpAddress first_;
  uint64_t size_ = 0;
  std::string text_;  // as configured, for error messages
};

// "IPv4" / "IPv6", as Service.spec.ipFamilies spells them.
const char* FamilyName(IpFamily family);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_ALLOCATORS_IP_RANGE_H_
