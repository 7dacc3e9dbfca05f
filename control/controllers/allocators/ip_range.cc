#include "control/controllers/allocators/ip_range.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sluice::controllers {
namespace {

using Wide = unsigned __int128;

// Ranges beyond this many addresses are refused: an allocator keeps its used
// set in memory, and no cluster needs more Services than this.
constexpr uint64_t kMaxRangeSize = uint64_t{1} << 24;

Wide ToWide(const IpAddress& a) {
  Wide v = 0;
  int n = a.is_v4() ? 4 : 16;
  for (int i = 0; i < n; ++i) v = (v << 8) | a.bytes()[i];
  return v;
}

IpAddress FromWide(Wide v, IpFamily family) {
  if (family == IpFamily::kV4) return IpAddress::FromV4(static_cast<uint32_t>(v));
  std::string text;
  // IpAddress has no byte constructor; its parser takes the canonical text.
  for (int group = 7; group >= 0; --group) {
    absl::StrAppend(&text, absl::Hex(static_cast<uint16_t>(v >> (group * 16))));
    if (group > 0) text.push_back(':');
  }
  return *IpAddress::Parse(text);
}

}  // namespace

absl::StatusOr<IpRange> IpRange::FromCidr(absl::string_view text, bool reserve_ends) {
  auto prefix = IpPrefix::Parse(absl::StripAsciiWhitespace(text));
  if (!prefix.ok())
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a valid CIDR"));
  int bits = prefix->address().is_v4() ? 32 : 128;
  int host_bits = bits - prefix->length();
  if (host_bits > 24)
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is too large: at most 2^24 addresses are supported"));
  Wide mask = host_bits == 0 ? 0 : (Wide{1} << host_bits) - 1;
  Wide network = ToWide(prefix->address()) & ~mask;
  uint64_t count = uint64_t{1} << host_bits;
  IpRange range;
  range.text_ = std::string(absl::StripAsciiWhitespace(text));
  if (reserve_ends) {
    uint64_t reserved = prefix->address().is_v4() ? 2 : 1;
    if (count <= reserved)
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" has no usable address"));
    network += 1;
    count -= reserved;
  }
  range.first_ = FromWide(network, prefix->address().family());
  range.size_ = count;
  return range;
}

absl::StatusOr<IpRange> IpRange::Parse(absl::string_view text) {
  size_t dash = text.find('-');
  if (dash == absl::string_view::npos) return FromCidr(text, /*reserve_ends=*/false);
  auto first = IpAddress::Parse(absl::StripAsciiWhitespace(text.substr(0, dash)));
  auto last = IpAddress::Parse(absl::StripAsciiWhitespace(text.substr(dash + 1)));
  if (!first.ok() || !last.ok() || first->family() != last->family())
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a range FIRST-LAST of one address family"));
  Wide a = ToWide(*first), b = ToWide(*last);
  if (b < a)
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" ends before it starts"));
  if (b - a + 1 > kMaxRangeSize)
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is too large: at most 2^24 addresses are supported"));
  IpRange range;
  range.first_ = *first;
  range.size_ = static_cast<uint64_t>(b - a + 1);
  range.text_ = std::string(absl::StripAsciiWhitespace(text));
  return range;
}

std::optional<uint64_t> IpRange::OffsetOf(const IpAddress& address) const {
  if (address.family() != first_.family()) return std::nullopt;
  Wide a = ToWide(address), first = ToWide(first_);
  if (a < first || a - first >= size_) return std::nullopt;
  return static_cast<uint64_t>(a - first);
}

IpAddress IpRange::At(uint64_t offset) const {
  return FromWide(ToWide(first_) + offset, first_.family());
}

const char* FamilyName(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

}  // namespace sluice::controllers
