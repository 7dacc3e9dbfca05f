// Cost per packet of the packet core, natively, in the reference engine:
// new TCP flows (Maglev, round-robin), an established flow, replies (reverse
// NAT) and packets that are not for a service. BM_Baseline_PacketCopy is the
// engine's own per-packet copy in and out, measured in the same run so that
// the others can be read as ratios on a noisy machine.
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench/frames.h"
#include "dataplane/reference/reference_engine.h"
#include "dataplane/service_table.h"

namespace sluice {
namespace {

IpAddress Ip(const char* s) {
  return *IpAddress::Parse(s);
}

using bench::TcpFrame;

constexpr uint32_t kClient = 0x0af40007;  // 10.244.0.7
constexpr uint32_t kVip = 0x0a60000a;     // 10.96.0.10

struct Setup {
  ReferenceEngine engine;
  ServiceTable table{&engine};
  explicit Setup(Algorithm alg) {
    NodeConfig node;
    node.node_addresses = {Ip("192.168.1.10")};
    ServicePort p;
    p.name = "default/web:http";
    p.algorithm = alg;
    Frontend f;
    f.kind = FrontendKind::kClusterIP;
    f.address = Ip("10.96.0.10");
    f.port = 80;
    p.frontends.push_back(f);
    for (int i = 1; i <= 10; ++i) {
      Backend b;
      b.address = IpAddress::FromV4(0x0af40100 + i);
      b.port = 8080;
      p.backends.push_back(b);
    }
    if (!table.SetNode(node).ok() || !table.Apply({p}).ok()) std::abort();
  }
};

void NewFlows(benchmark::State& state, Algorithm alg) {
  Setup s(alg);
  auto tmpl = TcpFrame(kClient, 1, kVip, 80, 0x02);
  std::vector<uint8_t> pkt;
  uint32_t n = 0;
  for (auto _ : state) {
    pkt = tmpl;
    // A new source (address, port) every packet; flush before the table
    // grows past a million flows, outside the timing.
    uint32_t src = kClient + (n >> 16);
    pkt[28] = static_cast<uint8_t>(src >> 8), pkt[29] = static_cast<uint8_t>(src);
    pkt[34] = static_cast<uint8_t>(n >> 8), pkt[35] = static_cast<uint8_t>(n);
    benchmark::DoNotOptimize(s.engine.Process(pkt, LB_HOOK_LOCAL));
    if (++n == (1u << 20)) {
      state.PauseTiming();
      (void)s.engine.FlushConntrack([](const lb_ct_key&, const lb_ct_entry&) { return true; });
      n = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_NewTcpFlow_Maglev(benchmark::State& state) {
  NewFlows(state, Algorithm::kMaglev);
}
void BM_NewTcpFlow_RoundRobin(benchmark::State& state) {
  NewFlows(state, Algorithm::kRoundRobin);
}

void BM_EstablishedFlow(benchmark::State& state) {
  Setup s(Algorithm::kMaglev);
  auto tmpl = TcpFrame(kClient, 40000, kVip, 80, 0x10);
  std::vector<uint8_t> pkt = tmpl;
  s.engine.Process(pkt, LB_HOOK_LOCAL);
  for (auto _ : state) {
    pkt = tmpl;
    benchmark::DoNotOptimize(s.engine.Process(pkt, LB_HOOK_LOCAL));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Reply(benchmark::State& state) {
  Setup s(Algorithm::kMaglev);
  std::vector<uint8_t> pkt = TcpFrame(kClient, 40000, kVip, 80, 0x02);
  s.engine.Process(pkt, LB_HOOK_LOCAL);
  uint32_t backend = static_cast<uint32_t>(pkt[30] << 24 | pkt[31] << 16 | pkt[32] << 8 | pkt[33]);
  auto tmpl = TcpFrame(backend, 8080, kClient, 40000, 0x10);
  for (auto _ : state) {
    pkt = tmpl;
    benchmark::DoNotOptimize(s.engine.Process(pkt, LB_HOOK_EXTERNAL));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_NotAService(benchmark::State& state) {
  Setup s(Algorithm::kMaglev);
  auto tmpl = TcpFrame(kClient, 40000, 0x0af40305, 22, 0x10);
  std::vector<uint8_t> pkt;
  for (auto _ : state) {
    pkt = tmpl;
    benchmark::DoNotOptimize(s.engine.Process(pkt, LB_HOOK_EXTERNAL));
  }
  state.SetItemsProcessed(state.iterations());
}

// Baseline: what every Process call pays to copy the frame in and out.
void BM_Baseline_PacketCopy(benchmark::State& state) {
  auto tmpl = TcpFrame(kClient, 40000, kVip, 80, 0x10);
  std::vector<uint8_t> pkt, buffer;
  for (auto _ : state) {
    pkt = tmpl;
    buffer.assign(258 + pkt.size() + 256, 0);
    std::memcpy(buffer.data() + 258, pkt.data(), pkt.size());
    pkt.assign(buffer.data() + 258, buffer.data() + 258 + 64);
    benchmark::DoNotOptimize(pkt.data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Baseline_PacketCopy);
BENCHMARK(BM_NotAService);
BENCHMARK(BM_EstablishedFlow);
BENCHMARK(BM_Reply);
BENCHMARK(BM_NewTcpFlow_Maglev);
BENCHMARK(BM_NewTcpFlow_RoundRobin);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
