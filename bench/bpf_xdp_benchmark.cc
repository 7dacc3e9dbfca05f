// Cost per packet of the XDP program (BPF_PROG_TEST_RUN, 64-byte frames),
// next to a no-op XDP_TX program measured in the same run. Two modes:
//   repeat: one frame run N times in the kernel (established flow, non-service);
//   single: many distinct frames, one run each (new flows), kernel-timed.
// Also: the established and new-flow costs with 1, 1,000 and 100,000 services
// programmed. Needs root. Usage: bpf_xdp_benchmark [repeat=10000000]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/frames.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/service_table.h"

namespace sluice {
namespace {

IpAddress Ip(const char* s) {
  return *IpAddress::Parse(s);
}

using bench::TcpFrame;

// Average ns per run of `fd` on `frame`, measured by the kernel.
double RunNs(int fd, std::vector<uint8_t> frame, uint32_t repeat) {
  std::vector<uint8_t> out(frame.size() + 512);
  bpf_test_run_opts o{};
  o.sz = sizeof(o);
  o.data_in = frame.data();
  o.data_size_in = static_cast<uint32_t>(frame.size());
  o.data_out = out.data();
  o.data_size_out = static_cast<uint32_t>(out.size());
  o.repeat = repeat;
  if (bpf_prog_test_run_opts(fd, &o) != 0) {
    std::perror("BPF_PROG_TEST_RUN");
    std::exit(1);
  }
  return o.duration;
}

// Average ns over `n` distinct SYNs (a new flow each), one run per frame.
double NewFlowNs(int fd, uint32_t n, uint32_t vip, uint32_t seed) {
  double total = 0;
  for (uint32_t i = 0; i < n; ++i)
    total += RunNs(fd,
                   TcpFrame(0x0b000000 + seed * 0x10000 + (i >> 12),
                            static_cast<uint16_t>(1024 + (i & 0xfff)), vip, 80, 0x02),
                   1);
  return total / n;
}

int NoopProgram() {
  bpf_insn insns[2] = {};
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  insns[0].dst_reg = BPF_REG_0;
  insns[0].imm = XDP_TX;
  insns[1].code = BPF_JMP | BPF_EXIT;
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "noop_tx", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    std::perror("loading the no-op program");
    std::exit(1);
  }
  return fd;
}

// `count` ClusterIP services 10.96.x.y:80 with three backends each; the
// first uses Maglev (the one measured), the others round-robin.
std::vector<ServicePort> Services(uint32_t count) {
  std::vector<ServicePort> out;
  for (uint32_t s = 0; s < count; ++s) {
    ServicePort p;
    p.name = "bench/svc" + std::to_string(s) + ":http";
    p.algorithm = s == 0 ? Algorithm::kMaglev : Algorithm::kRoundRobin;
    Frontend f;
    f.address = IpAddress::FromV4(0x0a600000 + s + 1);
    f.port = 80;
    p.frontends.push_back(f);
    for (uint32_t b = 0; b < 3; ++b) {
      Backend be;
      be.address = IpAddress::FromV4(0x0af40000 + ((s * 3 + b) & 0xffff) + 1);
      be.port = 8080;
      p.backends.push_back(be);
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  using namespace sluice;
  uint32_t repeat = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 10'000'000;
  const uint32_t kNew = 20000;
  auto engine = BpfEngine::Create({});
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str());
    return 1;
  }
  int noop = NoopProgram();
  int xdp = (*engine)->ProgramFd(LB_HOOK_EXTERNAL);
  const uint32_t vip = 0x0a600001;

  std::printf("%-34s %10s %10s %10s\n", "case (64-byte frames)", "services", "ns/pkt", "x no-op");
  for (uint32_t services : {1u, 1000u, 100000u}) {
    if (!(*engine)->ResetMaps().ok()) return 1;
    ServiceTable table(engine->get());
    NodeConfig node;
    node.node_addresses = {Ip("192.168.1.10")};
    auto s = table.SetNode(node);
    if (s.ok()) s = table.Apply(Services(services));
    if (!s.ok()) {
      std::fprintf(stderr, "programming %u services: %s\n", services,
                   std::string(s.message()).c_str());
      return 1;
    }
    double noop_rep = RunNs(noop, TcpFrame(0x0b000001, 40000, vip, 80, 0x10), repeat);
    double other = RunNs(xdp, TcpFrame(0x0b000001, 40000, 0x0a0a0a0a, 22, 0x10), repeat);
    RunNs(xdp, TcpFrame(0x0b000001, 40000, vip, 80, 0x02), 1);  // open the flow
    double est = RunNs(xdp, TcpFrame(0x0b000001, 40000, vip, 80, 0x10), repeat);
    double noop_one = 0;
    for (uint32_t i = 0; i < kNew; ++i)
      noop_one += RunNs(noop, TcpFrame(0x0b000001, 1, vip, 80, 2), 1);
    noop_one /= kNew;
    double fresh = NewFlowNs(xdp, kNew, vip, services % 251);
    std::printf("%-34s %10u %10.1f %10.2f\n", "no-op XDP_TX (repeat)", services, noop_rep, 1.0);
    std::printf("%-34s %10u %10.1f %10.2f\n", "non-service packet (repeat)", services, other,
                other / noop_rep);
    std::printf("%-34s %10u %10.1f %10.2f\n", "established TCP flow (repeat)", services, est,
                est / noop_rep);
    std::printf("%-34s %10u %10.1f %10.2f\n", "no-op XDP_TX (single runs)", services, noop_one,
                1.0);
    std::printf("%-34s %10u %10.1f %10.2f\n", "new TCP flow, Maglev (single runs)", services, fresh,
                fresh / noop_one);
  }
  return 0;
}
