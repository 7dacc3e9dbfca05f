#include "tools/sluice/bench/packet_gen.h"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tools/sluice/bench/command.h"
#include "tools/sluice/bench/interrupt.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

// 4,096 slots of 2 KiB (a 1514-byte frame and the slot's header fit), in
// 64 KiB blocks so that slots follow each other without gaps.
constexpr uint32_t kSlotBytes = 2048;
constexpr uint32_t kBlockBytes = 1 << 16;
constexpr uint32_t kSlots = 4096;
// A batch uses at most half the ring: the slots refilled for a batch were
// last sent a half ring ago, never under a frame still on its way.
constexpr uint32_t kMaxBatch = kSlots / 2;
// Where a TPACKET_V2 TX slot's frame starts (without PACKET_TX_HAS_OFF).
constexpr uint32_t kDataOffset = TPACKET2_HDRLEN - sizeof(sockaddr_ll);
// A batch lasts about this long, so that the duration and Ctrl-C are heard
// in time at any rate.
constexpr double kBatchSeconds = 0.01;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

tpacket2_hdr* Header(uint8_t* slot) {
  return reinterpret_cast<tpacket2_hdr*>(slot);
}

// Frame `f` given the new-flow source `src`: the template's source address
// low half is 0, so the IPv4 checksum `check0` (the template's, host order)
// only needs `src.addr_low` added in one's complement. The UDP checksum is 0
// (none).
void PutSource(uint8_t* f, uint16_t check0, NewFlowSource src) {
  uint32_t sum = static_cast<uint16_t>(~check0) + uint32_t{src.addr_low};
  sum = (sum & 0xffff) + (sum >> 16);
  const auto check = static_cast<uint16_t>(~sum);
  f[24] = static_cast<uint8_t>(check >> 8);
  f[25] = static_cast<uint8_t>(check);
  f[28] = static_cast<uint8_t>(src.addr_low >> 8);
  f[29] = static_cast<uint8_t>(src.addr_low);
  f[34] = static_cast<uint8_t>(src.port >> 8);
  f[35] = static_cast<uint8_t>(src.port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PacketGenerator>> PacketGenerator::Create(const std::string& ns,
                                                                         const std::string& dev) {
  std::unique_ptr<PacketGenerator> g(new PacketGenerator());
  unsigned ifindex = 0;
  // The socket belongs to the namespace it is made in, wherever it is used.
  auto s = InNetns(ns, [&]() -> absl::Status {
    g->fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (g->fd_ < 0) return Errno("AF_PACKET socket");
    ifindex = if_nametoindex(dev.c_str());
    if (ifindex == 0) return Errno("interface " + dev);
    return absl::OkStatus();
  });
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("in ", ns, ": ", s.message()));
  const int fd = g->fd_;
  int version = TPACKET_V2, on = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) {
    return Errno("PACKET_VERSION");
  }
  // Straight to the veth's transmit, as a NIC's driver queue would be fed;
  // the qdisc is not what is measured.
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on)) != 0) {
    return Errno("PACKET_QDISC_BYPASS");
  }
  // Room for a whole batch in flight, so that a send never waits for memory.
  int sndbuf = 16 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
  tpacket_req req{};
  req.tp_block_size = kBlockBytes;
  req.tp_frame_size = kSlotBytes;
  req.tp_block_nr = kSlots * kSlotBytes / kBlockBytes;
  req.tp_frame_nr = kSlots;
  if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) != 0) {
    return Errno("PACKET_TX_RING");
  }
  g->ring_bytes_ = size_t{kSlots} * kSlotBytes;
  void* ring = mmap(nullptr, g->ring_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == MAP_FAILED) return Errno("mapping the TX ring");
  g->ring_ = static_cast<uint8_t*>(ring);
  // Protocol 0: the socket sends only, no frame is ever queued to it.
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno("binding to " + dev + " in " + ns);
  }
  return g;
}

PacketGenerator::~PacketGenerator() {
  if (ring_) munmap(ring_, ring_bytes_);
  if (fd_ >= 0) close(fd_);
}

uint8_t* PacketGenerator::Slot(uint32_t i) const {
  return ring_ + size_t{i % kSlots} * kSlotBytes;
}

absl::Status PacketGenerator::Send(uint32_t n, RunResult& r) {
  for (uint32_t i = 0; i < n; ++i) {
    __atomic_store_n(&Header(Slot(next_ + i))->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
  }
  // The kernel sends the slots in order and a blocking send() returns once
  // every frame it sent is freed, so the batch is done when its last slot is
  // free again. A frame the veth refuses (its peer's queue full: ENOBUFS)
  // keeps its slot and is sent again by the next send().
  const tpacket2_hdr* last = Header(Slot(next_ + n - 1));
  auto refused_since = Clock::time_point::max();
  while (__atomic_load_n(&last->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
    r.calls++;
    if (send(fd_, nullptr, 0, 0) >= 0) {
      refused_since = Clock::time_point::max();
      continue;
    }
    if (errno == EINTR) return absl::CancelledError("interrupted");
    if (errno != ENOBUFS && errno != EAGAIN) return Errno("send on the TX ring");
    if (auto s = CheckInterrupted(); !s.ok()) return s;
    const auto now = Clock::now();
    refused_since = std::min(refused_since, now);
    if (now - refused_since > std::chrono::seconds(5)) {
      return absl::InternalError("the client's veth refused every frame for 5 s");
    }
    std::this_thread::yield();
  }
  next_ = (next_ + n) % kSlots;
  return absl::OkStatus();
}

absl::StatusOr<RunResult> PacketGenerator::Run(const std::vector<uint8_t>& frame, bool new_flows,
                                               const RunLimit& limit,
                                               const std::function<uint64_t()>& delivered) {
  if (frame.size() < 64 || frame.size() > kSlotBytes - kDataOffset) {
    return absl::InvalidArgumentError(absl::StrCat("a ", frame.size(), "-byte frame"));
  }
  // Every slot holds the frame; the new-flow pattern rewrites only its
  // source (and the IPv4 checksum) per frame as it goes.
  for (uint32_t i = 0; i < kSlots; ++i) {
    std::memcpy(Slot(i) + kDataOffset, frame.data(), frame.size());
    Header(Slot(i))->tp_len = static_cast<uint32_t>(frame.size());
  }
  const auto check0 = static_cast<uint16_t>((frame[24] << 8) | frame[25]);

  RunResult r;
  const uint64_t before = Settled(delivered);
  uint64_t target = limit.max_packets ? limit.max_packets : UINT64_MAX;
  if (limit.packets) target = std::min(target, limit.packets);
  const auto budget = std::chrono::milliseconds(limit.duration_ms);
  uint64_t batch = 64;  // until the rate is known
  const auto start = Clock::now();
  auto elapsed = Clock::duration::zero();
  while (r.sent < target) {
    if (auto s = CheckInterrupted(); !s.ok()) return s;
    const auto n = static_cast<uint32_t>(std::min({batch, target - r.sent, uint64_t{kMaxBatch}}));
    if (new_flows) {
      for (uint32_t i = 0; i < n; ++i) {
        PutSource(Slot(next_ + i) + kDataOffset, check0, NewFlowSourceOf(seq_++));
      }
    }
    if (auto s = Send(n, r); !s.ok()) return s;
    r.sent += n;
    elapsed = Clock::now() - start;
    if (!limit.packets && elapsed >= budget) break;
    const double rate = static_cast<double>(r.sent) /
                        std::max(1e-6, std::chrono::duration<double>(elapsed).count());
    batch = std::clamp<uint64_t>(static_cast<uint64_t>(rate * kBatchSeconds), 16, kMaxBatch);
  }
  r.seconds = std::chrono::duration<double>(elapsed).count();
  r.delivered = Settled(delivered) - before;
  return r;
}

}  // namespace sluice::bench
