// The packet generator of `sluice bench`, for kernels that refuse live
// frames: real frames sent from the client's namespace (topology.h) through
// its veth into the node's external interface, where every contender meets
// them as it meets any traffic: Sluice's XDP program, the kernel stack
// (iptables, nftables, the floor), or the ceiling's counting XDP_DROP.
//
// An AF_PACKET socket of protocol 0 (it receives nothing) bound to the
// client's eth0, with a TX ring (TPACKET_V2) and PACKET_QDISC_BYPASS: the
// tool writes a batch of frames into the ring and one blocking send() hands
// them all to the veth, which passes each to the node at once; the node's
// softirq work runs on the sending core as each frame goes (bottom halves
// are enabled again after every transmit), so the wall time of the sends is
// the generator's own cost plus the contender's, as with live frames. The
// noop contender measures that own cost (the ceiling).
#ifndef SLUICE_TOOLS_SLUICE_BENCH_PACKET_GEN_H_
#define SLUICE_TOOLS_SLUICE_BENCH_PACKET_GEN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/sluice/bench/traffic.h"

namespace sluice::bench {

class PacketGenerator : public TrafficGenerator {
 public:
  // Opens the socket in namespace `ns` on its interface `dev`.
  static absl::StatusOr<std::unique_ptr<PacketGenerator>> Create(const std::string& ns,
                                                                 const std::string& dev);
  ~PacketGenerator() override;
  PacketGenerator(const PacketGenerator&) = delete;
  PacketGenerator& operator=(const PacketGenerator&) = delete;

  // No fixed cost is taken out: a send() costs a few microseconds whatever
  // its batch, and that is part of what the generator costs per frame.
  absl::StatusOr<RunResult> Run(const std::vector<uint8_t>& frame, bool new_flows,
                                const RunLimit& limit,
                                const std::function<uint64_t()>& delivered) override;

 private:
  PacketGenerator() = default;
  uint8_t* Slot(uint32_t i) const;
  // Sends the `n` frames written from slot next_ on; returns once the
  // kernel took them all.
  absl::Status Send(uint32_t n, RunResult& r);

  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  uint32_t next_ = 0;  // the slot the kernel sends next
  uint32_t seq_ = 0;   // new-flow frames sent so far (their sources)
};

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_PACKET_GEN_H_
