#include "dataplane/ip_address.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::Parse("10.96.0.10");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->ToString(), "10.96.0.10");
  auto v6 = IpAddress::Parse("fd00::a");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), IpFamily::kV6);
  EXPECT_EQ(v6->ToString(), "fd00::a");
}

TEST(IpAddress, RejectsGarbageWithTheTextInTheError) {
  auto bad = IpAddress::Parse("10.0.0.256");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("10.0.0.256"), std::string::npos);
}

TEST(IpAddress, RoundTripsThroughTheAbiWithZeroPadding) {
  auto a = *IpAddress::Parse("192.0.2.1");
  union lb_addr abi = a.ToAbi();
  EXPECT_EQ(abi.w[1] | abi.w[2] | abi.w[3], 0u);
  EXPECT_EQ(IpAddress::FromAbi(abi, LB_AF_INET), a);
}

TEST(IpPrefix, ContainsAddressesOfItsFamilyAndLength) {
  auto p = *IpPrefix::Parse("10.244.0.0/16");
  EXPECT_TRUE(p.Contains(*IpAddress::Parse("10.244.3.7")));
  EXPECT_FALSE(p.Contains(*IpAddress::Parse("10.245.0.1")));
  EXPECT_FALSE(p.Contains(*IpAddress::Parse("fd00::1")));
  auto p6 = *IpPrefix::Parse("fd00:244::/63");
  EXPECT_TRUE(p6.Contains(*IpAddress::Parse("fd00:244:0:1::9")));
  EXPECT_FALSE(p6.Contains(*IpAddress::Parse("fd00:244:0:2::9")));
}

TEST(IpPrefix, RejectsBadLengths) {
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0").ok());
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/x").ok());
}

TEST(IpAddress, RejectsAnEmbeddedNul) {
  EXPECT_FALSE(IpAddress::Parse(absl::string_view("10.0.0.1\0junk", 13)).ok());
}

}  // namespace
}  // namespace sluice
