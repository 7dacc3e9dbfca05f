// The incremental checksum updates agree with a full recomputation.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

extern "C" {
#include "dataplane/core/lb_csum.h"
}

namespace {

uint16_t FullChecksum(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.size() & 1) sum += b.back() << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t host = static_cast<uint16_t>(~sum);
  return static_cast<uint16_t>((host >> 8) | (host << 8));  // as stored: network order
}

TEST(Checksum, Replace4MatchesFullRecomputeOnRandomData) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> b(40);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[10] = b[11] = 0;
    uint16_t c = FullChecksum(b);
    size_t off = 12 + 4 * (rng() % 4);
    uint32_t from, to = rng();
    std::memcpy(&from, &b[off], 4);
    std::memcpy(&b[off], &to, 4);
    lb_csum_replace4(&c, from, to);
    std::memcpy(&b[10], &c, 2);
    std::vector<uint8_t> check = b;
    EXPECT_EQ(FullChecksum(check), 0) << "round " << round;  // a valid checksum sums to zero
  }
}

TEST(Checksum, ReplaceAddrAndPortMatchFullRecompute) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> b(64);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = b[1] = 0;
    uint16_t c = FullChecksum(b);
    union lb_addr from, to;
    std::memcpy(&from, &b[8], 16);
    for (auto& w : to.w) w = rng();
    std::memcpy(&b[8], &to, 16);
    lb_csum_replace_addr(&c, &from, &to);
    uint16_t pf, pt = static_cast<uint16_t>(rng());
    std::memcpy(&pf, &b[30], 2);
    std::memcpy(&b[30], &pt, 2);
    lb_csum_replace2(&c, pf, pt);
    std::memcpy(&b[0], &c, 2);
    EXPECT_EQ(FullChecksum(b), 0) << "round " << round;
  }
}

TEST(Checksum, FullSumOverOddLengthPadsWithZero) {
  std::vector<uint8_t> b = {0x45, 0x00, 0x01};
  uint32_t s = lb_csum_bytes(0, b.data(), b.data() + b.size(), 3);
  EXPECT_EQ(lb_csum_fold(s), lb_csum_fold(lb_htons(0x4500) + lb_htons(0x0100)));
}

}  // namespace
