#include "tools/sluice/bench/traffic.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lb_live.skel.h"
#include "tools/sluice/bench/command.h"
#include "tools/sluice/bench/interrupt.h"

// linux/bpf.h from older libbpf-dev/linux-libc-dev may lack it (kernel 5.18 UAPI).
#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}

void Put32(std::vector<uint8_t>& f, size_t at, uint32_t v) {
  Put16(f, at, static_cast<uint16_t>(v >> 16));
  Put16(f, at + 2, static_cast<uint16_t>(v));
}

class LiveGenerator : public TrafficGenerator {
 public:
  LiveGenerator(const GeneratorControl& gen, std::string node_ns, int ifindex)
      : gen_(gen), node_ns_(std::move(node_ns)), ifindex_(ifindex) {}
  absl::Status Calibrate(const std::vector<uint8_t>& frame) override {
    auto fixed = FixedCallCost(gen_, node_ns_, ifindex_, frame);
    if (!fixed.ok()) return fixed.status();
    fixed_ = *fixed;
    return absl::OkStatus();
  }
  absl::StatusOr<RunResult> Run(const std::vector<uint8_t>& frame, bool new_flows,
                                const RunLimit& limit,
                                const std::function<uint64_t()>& delivered) override {
    return RunLive(gen_, node_ns_, ifindex_, frame, new_flows, limit, delivered, fixed_);
  }

 private:
  GeneratorControl gen_;
  std::string node_ns_;
  int ifindex_;
  double fixed_ = 0;
};

}  // namespace

absl::Status AttachXdpInNetns(const std::string& ns, int ifindex, int prog_fd, const char* what) {
  return InNetns(ns, [&]() -> absl::Status {
    if (int err = bpf_xdp_attach(ifindex, prog_fd, 0, nullptr); err != 0) {
      return absl::InternalError(absl::StrCat("attaching ", what, ": ", strerror(-err)));
    }
    return absl::OkStatus();
  });
}

const char* GeneratorName(GeneratorKind kind) {
  return kind == GeneratorKind::kLive ? "live" : "packet";
}

uint64_t Settled(const std::function<uint64_t()>& counter) {
  uint64_t last = counter();
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    uint64_t now = counter();
    if (now == last) break;
    last = now;
  }
  return last;
}

std::vector<uint8_t> UdpFrame(const FrameSpec& s) {
  std::vector<uint8_t> f(s.size, 0);
  std::memcpy(&f[0], s.dst_mac.data(), 6);
  std::memcpy(&f[6], s.src_mac.data(), 6);
  Put16(f, 12, 0x0800);
  const uint16_t ip_len = static_cast<uint16_t>(s.size - 14);
  f[14] = 0x45;
  Put16(f, 16, ip_len);
  f[22] = 64;
  f[23] = 17;
  Put32(f, 26, s.saddr);
  Put32(f, 30, s.daddr);
  uint32_t sum = 0;
  for (size_t i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  Put16(f, 24, static_cast<uint16_t>(~sum));
  Put16(f, 34, s.sport);
  Put16(f, 36, s.dport);
  Put16(f, 38, static_cast<uint16_t>(ip_len - 20));
  return f;
}

absl::StatusOr<std::unique_ptr<LivePrograms>> LivePrograms::Load(const std::string& sink_ns,
                                                                 int sink_ifindex) {
  std::unique_ptr<LivePrograms> p(new LivePrograms());
  p->skel_ = lb_live__open_and_load();
  if (!p->skel_)
    return absl::InternalError(absl::StrCat("loading bpf/lb_live.c: ", strerror(errno)));
  if (auto s = AttachXdpInNetns(sink_ns, sink_ifindex,
                                bpf_program__fd(p->skel_->progs.lb_live_sink), "the sink");
      !s.ok()) {
    return s;
  }
  return p;
}

absl::Status LivePrograms::AttachCeiling(const std::string& node_ns, int ifindex) const {
  return AttachXdpInNetns(node_ns, ifindex, bpf_program__fd(skel_->progs.lb_live_drop),
                          "the ceiling");
}

LivePrograms::~LivePrograms() {
  lb_live__destroy(skel_);
}

GeneratorControl LivePrograms::Generator() const {
  return {bpf_program__fd(skel_->progs.lb_live_gen), skel_->bss->lb_live_frame,
          &skel_->bss->lb_live_new_flows};
}

GeneratorControl LivePrograms::Noop() const {
  return {bpf_program__fd(skel_->progs.lb_live_noop), skel_->bss->lb_live_frame,
          &skel_->bss->lb_live_new_flows};
}

uint64_t LivePrograms::Sunk() const {
  return __atomic_load_n(&skel_->bss->lb_live_sunk, __ATOMIC_RELAXED);
}

uint64_t LivePrograms::Ceiling() const {
  return __atomic_load_n(&skel_->bss->lb_live_ceiling, __ATOMIC_RELAXED);
}

absl::StatusOr<RunResult> RunLive(const GeneratorControl& gen, const std::string& node_ns,
                                  int ifindex, const std::vector<uint8_t>& frame, bool new_flows,
                                  const RunLimit& limit, const std::function<uint64_t()>& delivered,
                                  double fixed_call_seconds) {
  std::memcpy(gen.frame, frame.data(), 64);
  *gen.new_flows = new_flows ? 1 : 0;
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(frame.size());
  ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);
  RunResult r;
  const uint64_t before = Settled(delivered);
  auto s = InNetns(node_ns, [&]() -> absl::Status {
    const auto start = Clock::now();
    const auto budget = std::chrono::milliseconds(limit.duration_ms);
    const uint64_t cap = limit.max_packets ? limit.max_packets : UINT64_MAX;
    uint64_t chunk = std::min<uint64_t>(limit.packets ? limit.packets : 65536, cap);
    while (true) {
      if (auto i = CheckInterrupted(); !i.ok()) return i;
      bpf_test_run_opts o{};
      o.sz = sizeof(o);
      o.data_in = frame.data();
      o.data_size_in = static_cast<uint32_t>(frame.size());
      o.ctx_in = &ctx;
      o.ctx_size_in = sizeof(ctx);
      o.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
      o.repeat = static_cast<int>(std::min<uint64_t>(chunk, 1u << 30));
      const auto t0 = Clock::now();
      if (bpf_prog_test_run_opts(gen.prog_fd, &o) != 0) {
        if (errno == EINTR) return absl::CancelledError("interrupted");
        return absl::InternalError(
            absl::StrCat("BPF_PROG_TEST_RUN (live frames; kernel 5.18+): ", strerror(errno)));
      }
      const auto t1 = Clock::now();
      r.sent += static_cast<uint64_t>(o.repeat);
      r.calls++;
      const double took = std::chrono::duration<double>(t1 - t0).count();
      // Never all of a call: the frames took some of it.
      const double fixed = std::min(fixed_call_seconds, 0.9 * took);
      r.seconds += took - fixed;
      r.fixed_seconds += fixed;
      if (limit.packets || r.sent >= cap || t1 - start >= budget) break;
      // A test run costs a fixed ~20 ms here (setup and teardown), so the
      // rest of the budget goes in one run at the rate seen so far; Ctrl-C
      // still ends it at once (the kernel stops on a pending signal).
      const double rate = static_cast<double>(r.sent) / std::max(1e-6, r.seconds + r.fixed_seconds);
      const double left = std::chrono::duration<double>(budget - (t1 - start)).count();
      chunk = std::clamp<uint64_t>(static_cast<uint64_t>(rate * left), 64, 1u << 30);
      chunk = std::min(chunk, cap - r.sent);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  r.delivered = Settled(delivered) - before;
  return r;
}

absl::StatusOr<double> FixedCallCost(const GeneratorControl& gen, const std::string& node_ns,
                                     int ifindex, const std::vector<uint8_t>& frame) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    auto r = RunLive(gen, node_ns, ifindex, frame, false, {2, 0, 0}, [] { return uint64_t{0}; });
    if (!r.ok()) return r.status();
    best = std::min(best, r->seconds);
  }
  return best;
}

std::unique_ptr<TrafficGenerator> MakeLiveGenerator(const GeneratorControl& gen,
                                                    const std::string& node_ns, int ifindex) {
  return std::make_unique<LiveGenerator>(gen, node_ns, ifindex);
}

absl::Status ProbeLiveFrames(const LivePrograms& live, const std::string& node_ns, int ifindex) {
  auto r = RunLive(live.Noop(), node_ns, ifindex, UdpFrame({}), false, {1, 0, 0},
                   [] { return uint64_t{0}; });
  return r.status();
}

}  // namespace sluice::bench
