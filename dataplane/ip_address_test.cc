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

}  // namespace
}  // namespace sluice
