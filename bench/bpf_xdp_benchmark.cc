// Cost per packet of the XDP program (BPF_PROG_TEST_RUN, 64-byte frames, the
// kernel's own timing over `repeat` runs), next to a no-op XDP_TX program
// measured in the same run, with 1, 1,000 and 100,000 services programmed.
//
// A repeated test run keeps what the previous run wrote into the buffer, so
// the programs measured here are the harness of bpf/lb_bench.c: it writes the
// frame under test back before each run (and, for new flows, a source address
// and port never seen before), then runs the core. "harness no-op" is that
// restore followed by XDP_TX; the ratios divide by the plain no-op, so they
// include the harness's own few nanoseconds. Needs root.
// Usage: bpf_xdp_benchmark [repeat=10000000] [services=1,1000,100000]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/frames.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/service_table.h"
#include "lb_bench.skel.h"

namespace sluice {
namespace {

IpAddress Ip(const char* s) {
  return *IpAddress::Parse(s);
}

using bench::TcpFrame;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// Average ns per run of `fd` over `repeat` runs, measured by the kernel.
double RunNs(int fd, std::vector<uint8_t> frame, uint32_t repeat) {
  std::vector<uint8_t> out(frame.size() + 512);
  bpf_test_run_opts o{};
  o.sz = sizeof(o);
  o.data_in = frame.data();
  o.data_size_in = static_cast<uint32_t>(frame.size());
  o.data_out = out.data();
  o.data_size_out = static_cast<uint32_t>(out.size());
  o.repeat = repeat;
  if (bpf_prog_test_run_opts(fd, &o) != 0) Die("BPF_PROG_TEST_RUN");
  return o.duration;
}

int NoopProgram() {
  bpf_insn insns[2] = {};
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  insns[0].dst_reg = BPF_REG_0;
  insns[0].imm = XDP_TX;
  insns[1].code = BPF_JMP | BPF_EXIT;
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "noop_tx", "GPL", insns, 2, nullptr);
  if (fd < 0) Die("loading the no-op program");
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

// The harness: the frame it restores and whether each run is a new flow.
struct Harness {
  lb_bench* skel;
  double Run(int fd, const std::vector<uint8_t>& frame, bool new_flows, uint32_t repeat) {
    std::memcpy(skel->bss->lb_bench_frame, frame.data(), sizeof(skel->bss->lb_bench_frame));
    skel->bss->lb_bench_new_flows = new_flows ? 1 : 0;
    return RunNs(fd, frame, repeat);
  }
};

void Row(const char* name, uint32_t services, double ns, double noop) {
  std::printf("%-36s %9u %9.1f %8.2f\n", name, services, ns, ns / noop);
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  using namespace sluice;
  uint32_t repeat = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 10'000'000;
  std::vector<uint32_t> counts = {1, 1000, 100000};
  if (argc > 2) {
    counts.clear();
    for (const char* p = argv[2]; *p;) {
      counts.push_back(static_cast<uint32_t>(std::strtoul(p, const_cast<char**>(&p), 10)));
      if (*p == ',') ++p;
    }
  }
  auto engine = BpfEngine::Create({});
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str());
    return 1;
  }
  lb_bench* skel = lb_bench__open();
  if (!skel) Die("opening the harness");
  if (auto s = (*engine)->ShareMaps(skel->obj); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  if (lb_bench__load(skel) != 0) Die("loading the harness");
  Harness h{skel};
  int noop = NoopProgram();
  int harness_noop = bpf_program__fd(skel->progs.lb_bench_noop);
  int core = bpf_program__fd(skel->progs.lb_bench_external);
  const uint32_t vip = 0x0a600001;
  const auto syn = TcpFrame(0x0b000001, 40000, vip, 80, 0x02);
  const auto ack = TcpFrame(0x0b000001, 40000, vip, 80, 0x10);
  const auto other = TcpFrame(0x0b000001, 40000, 0x0a0a0a0a, 22, 0x10);

  std::printf("repeat %u, 64-byte IPv4 TCP frames; x no-op = ns / plain no-op XDP_TX\n", repeat);
  std::printf("%-36s %9s %9s %8s\n", "case (new flows: Maglev)", "services", "ns/pkt", "x no-op");
  for (uint32_t services : counts) {
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
    double plain = RunNs(noop, ack, repeat);
    double restore = h.Run(harness_noop, ack, false, repeat);
    double non_service = h.Run(core, other, false, repeat);
    h.Run(core, syn, false, 1);  // open the flow
    double established = h.Run(core, ack, false, repeat);
    // 20,000 new flows fit the caches; `repeat` of them (10 million) fill
    // conntrack, so each insert evicts and touches cold memory.
    double few_fresh = h.Run(core, syn, true, 20000);
    double fresh = h.Run(core, syn, true, repeat);
    Row("no-op XDP_TX", services, plain, plain);
    Row("harness no-op (restore + XDP_TX)", services, restore, plain);
    Row("non-service packet", services, non_service, plain);
    Row("established TCP flow", services, established, plain);
    Row("new TCP flow (SYN), 20,000 flows", services, few_fresh, plain);
    Row(("new TCP flow (SYN), " + std::to_string(repeat) + " flows").c_str(), services, fresh,
        plain);
    std::fflush(stdout);
  }
  lb_bench__destroy(skel);
  return 0;
}
