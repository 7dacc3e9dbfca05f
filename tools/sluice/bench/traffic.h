// Traffic for `sluice bench`: what both generators share (the frame, the
// limits and results of a run, the TrafficGenerator interface), and the
// live-frames generator: BPF_PROG_TEST_RUN in live-frames mode (kernel
// 5.18+) run inside the node's namespace with the node's external interface
// as ingress, so every frame the generator program lets through enters the
// node's receive path (XDP_PASS: the kernel stack; XDP_REDIRECT: Sluice's
// forwarding) at the rate one core can produce it. The packet generator,
// for kernels that refuse live frames, is in packet_gen.h. Only frames the
// sink program counts are credited.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_TRAFFIC_H_
#define SLUICE_TOOLS_SLUICE_BENCH_TRAFFIC_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct lb_live;

namespace sluice::bench {

// A UDP/IPv4 frame of `size` bytes (64 to 1514) from the client to a service,
// IPv4 checksum filled in, UDP checksum 0 (none). For the new-flow pattern
// the source address's low half must be 0: the generator writes it.
struct FrameSpec {
  uint32_t size = 64;
  std::array<uint8_t, 6> src_mac{}, dst_mac{};
  uint32_t saddr = 0, daddr = 0;  // host order
  uint16_t sport = 0, dport = 0;
};
std::vector<uint8_t> UdpFrame(const FrameSpec& spec);

// The source of frame `seq` of the new-flow pattern, as bpf/lb_live_gen.h
// writes it: the IPv4 source address's low half and the UDP source port
// (host order), 32,768 ports per address, so that no two frames share a flow.
struct NewFlowSource {
  uint16_t addr_low = 0;
  uint16_t port = 0;
};
inline NewFlowSource NewFlowSourceOf(uint32_t seq) {
  return {static_cast<uint16_t>(seq >> 15), static_cast<uint16_t>((seq & 0x7fff) | 0x8000)};
}

// Where a generator program reads its frame and pattern (lb_live_gen.h's
// globals, in whichever skeleton holds the program).
struct GeneratorControl {
  int prog_fd = -1;
  uint8_t* frame = nullptr;  // LB_LIVE_HDR bytes
  volatile uint32_t* new_flows = nullptr;
};

// Attaches XDP program `prog_fd` to interface `ifindex` of namespace `ns`
// (`what` names it in errors); the attachment goes with the namespace.
absl::Status AttachXdpInNetns(const std::string& ns, int ifindex, int prog_fd, const char* what);

// bpf/lb_live.c loaded: the kernel-path generator, the no-op ceiling and the
// sink, attached to the sink's interface in its namespace. The attachment
// goes with the namespace.
class LivePrograms {
 public:
  static absl::StatusOr<std::unique_ptr<LivePrograms>> Load(const std::string& sink_ns,
                                                            int sink_ifindex);
  ~LivePrograms();
  GeneratorControl Generator() const;
  GeneratorControl Noop() const;
  uint64_t Sunk() const;     // frames counted at the sink so far
  uint64_t Ceiling() const;  // frames the no-op program dropped so far
  // Attaches lb_live_drop, the ceiling under the packet generator, to the
  // node's external interface (it counts into Ceiling()); gone with the
  // namespace.
  absl::Status AttachCeiling(const std::string& node_ns, int ifindex) const;

 private:
  LivePrograms() = default;
  lb_live* skel_ = nullptr;
};

// How long one measurement lasts: `packets` frames, or when that is 0, about
// `duration_ms` of repeated runs.
struct RunLimit {
  uint64_t packets = 0;
  uint32_t duration_ms = 1000;
  uint64_t max_packets = 0;  // when not 0, a run ends after this many frames
};

// Frames per new-flow run at most: every contender must be able to hold them
// all as flows (Sluice's 28,232 SNAT ports per endpoint x 3 endpoints, the
// kernel's conntrack table), or the run measures exhaustion, not lookups.
inline constexpr uint64_t kMaxNewFlowsPerRun = 50000;

struct RunResult {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  double seconds = 0;  // wall time of the test runs, less `fixed_seconds`
  uint32_t calls = 0;  // BPF_PROG_TEST_RUN calls made
  // What the calls cost whatever their length, taken out of `seconds`: a
  // test run repeating more than once switches the kernel's XDP dispatcher
  // to the program and back (tens of ms here), which would otherwise weigh
  // on the short new-flow runs. See FixedCallCost. Always 0 for the packet
  // generator.
  double fixed_seconds = 0;
};

// Which generator makes the traffic (`--generator`).
enum class GeneratorKind { kLive, kPacket };
const char* GeneratorName(GeneratorKind kind);  // "live" or "packet"

// Reads `counter` until two reads 5 ms apart agree (frames still in a veth's
// queue reach the sink from softirq after the sending call returned).
uint64_t Settled(const std::function<uint64_t()>& counter);

// Makes the measured runs of one contender in one topology.
class TrafficGenerator {
 public:
  virtual ~TrafficGenerator() = default;
  // Before each pattern, with its frame: the live generator measures its
  // fixed call cost on it.
  virtual absl::Status Calibrate(const std::vector<uint8_t>& frame) {
    (void)frame;
    return absl::OkStatus();
  }
  // Sends `frame` (new_flows: each with a source of its own, NewFlowSourceOf)
  // until `limit`, and credits what `delivered` (a counter read before and
  // after, once the last frames settled) grew by.
  virtual absl::StatusOr<RunResult> Run(const std::vector<uint8_t>& frame, bool new_flows,
                                        const RunLimit& limit,
                                        const std::function<uint64_t()>& delivered) = 0;
};

// The fixed cost of one test run of `gen`: the fastest of three 2-frame runs.
absl::StatusOr<double> FixedCallCost(const GeneratorControl& gen, const std::string& node_ns,
                                     int ifindex, const std::vector<uint8_t>& frame);

// Runs the generator in `node_ns` with `ifindex` as ingress on `frame`
// (new_flows: the new-flow pattern), and credits what `delivered` (a counter
// read before and after, once the last frames settled) grew by. Each call's
// `fixed_call_seconds` is taken out of the wall time.
absl::StatusOr<RunResult> RunLive(const GeneratorControl& gen, const std::string& node_ns,
                                  int ifindex, const std::vector<uint8_t>& frame, bool new_flows,
                                  const RunLimit& limit, const std::function<uint64_t()>& delivered,
                                  double fixed_call_seconds = 0);

// RunLive behind TrafficGenerator: `gen` in `node_ns` with `ifindex` as
// ingress, its fixed call cost measured by Calibrate.
std::unique_ptr<TrafficGenerator> MakeLiveGenerator(const GeneratorControl& gen,
                                                    const std::string& node_ns, int ifindex);

// One frame through the no-op ceiling program in live-frames mode (it drops
// the frame: no traffic leaves): OK when this kernel runs live frames, else
// its refusal (EPERM on kernels that lock them down, EINVAL before 5.18).
absl::Status ProbeLiveFrames(const LivePrograms& live, const std::string& node_ns, int ifindex);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_TRAFFIC_H_
