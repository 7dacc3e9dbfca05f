// Reading and writing Ethernet packet captures with libpcap.
#ifndef SLUICE_TOOLS_SLUICE_PCAP_IO_H_
#define SLUICE_TOOLS_SLUICE_PCAP_IO_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

struct CapturedPacket {
  uint64_t time_ns = 0;
  std::vector<uint8_t> data;
};

// Calls `fn` for every packet of `path` in order. Only Ethernet captures.
absl::Status ReadPcap(const std::string& path,
                      const std::function<absl::Status(CapturedPacket&)>& fn);

class PcapWriter {
 public:
  static absl::StatusOr<std::unique_ptr<PcapWriter>> Open(const std::string& path);
  ~PcapWriter();
  void Write(const CapturedPacket& packet);
  absl::Status Close();

 private:
  PcapWriter() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_PCAP_IO_H_
