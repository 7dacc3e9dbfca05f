// pcapgen SPEC.yaml OUT.pcap: writes the packets of a YAML list of
// {time: seconds, packet: <packet spec>} (see packet_builder.h) as a capture.
#include <iostream>

#include "tests/packet/packet_builder.h"
#include "tools/sluice/pcap_io.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pcapgen SPEC.yaml OUT.pcap\n";
    return 2;
  }
  try {
    YAML::Node list = YAML::LoadFile(argv[1]);
    auto writer = sluice::PcapWriter::Open(argv[2]);
    if (!writer.ok()) {
      std::cerr << writer.status() << "\n";
      return 1;
    }
    for (const auto& item : list) {
      auto pkt = sluice::testing::BuildPacket(item["packet"]);
      if (!pkt.ok()) {
        std::cerr << argv[1] << ": " << pkt.status().message() << "\n";
        return 1;
      }
      sluice::CapturedPacket cp;
      cp.time_ns = static_cast<uint64_t>(item["time"].as<double>() * 1e9);
      cp.data = *pkt;
      (*writer)->Write(cp);
    }
    return (*writer)->Close().ok() ? 0 : 1;
  } catch (const YAML::Exception& e) {
    std::cerr << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
