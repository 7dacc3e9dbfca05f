// A 64-byte Ethernet/IPv4/TCP frame for the benchmarks (checksums left zero:
// the core updates them incrementally and never verifies them).
#ifndef SLUICE_BENCH_FRAMES_H_
#define SLUICE_BENCH_FRAMES_H_

#include <cstdint>
#include <vector>

namespace sluice::bench {

inline std::vector<uint8_t> TcpFrame(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
                                     uint8_t flags) {
  std::vector<uint8_t> f(64, 0);
  f[12] = 0x08;
  f[14] = 0x45;
  f[17] = 50;  // total length
  f[22] = 64;
  f[23] = 6;
  for (int i = 0; i < 4; ++i) {
    f[26 + i] = static_cast<uint8_t>(saddr >> (24 - 8 * i));
    f[30 + i] = static_cast<uint8_t>(daddr >> (24 - 8 * i));
  }
  f[34] = static_cast<uint8_t>(sport >> 8), f[35] = static_cast<uint8_t>(sport);
  f[36] = static_cast<uint8_t>(dport >> 8), f[37] = static_cast<uint8_t>(dport);
  f[46] = 0x50;
  f[47] = flags;
  return f;
}

}  // namespace sluice::bench

#endif  // SLUICE_BENCH_FRAMES_H_
