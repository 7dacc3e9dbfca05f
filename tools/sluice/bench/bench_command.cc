#include "tools/sluice/bench/bench_command.h"

#include <sched.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/sluice/bench/contenders.h"
#include "tools/sluice/bench/interrupt.h"
#include "tools/sluice/bench/packet_gen.h"
#include "tools/sluice/bench/report.h"
#include "tools/sluice/bench/services.h"
#include "tools/sluice/bench/topology.h"
#include "tools/sluice/bench/traffic.h"
#include "tools/sluice/flags.h"

namespace sluice {

const char kBenchUsage[] =
    "usage: sluice bench [--services 1,1000,10000,100000] [--patterns new,established]\n"
    "                    [--contenders sluice,iptables,nftables,floor,noop] [--runs 3]\n"
    "                    [--duration-ms 1000 | --packets N] [--size 64] [--endpoints 3]\n"
    "                    [--generator auto|live|packet] [--json FILE] [--chart FILE.png]\n"
    "Measures packet rates of each contender with the same Services in network\n"
    "namespaces it creates and removes (root). Traffic: BPF_PROG_TEST_RUN live\n"
    "frames (kernel 5.18+) or, where the kernel refuses them (auto), real frames\n"
    "from an AF_PACKET TX ring in the client namespace. Table to stdout,\n"
    "progress to stderr.";

namespace {

using bench::BenchService;
using bench::Cell;

struct Options {
  std::vector<uint32_t> services;
  std::vector<std::string> patterns;
  std::vector<std::string> contenders;
  uint32_t endpoints = 3;
  bench::Settings settings;
  std::string generator;  // "auto", "live" or "packet"
  std::string json, chart;
};

absl::StatusOr<uint64_t> Number(const ParsedFlags& f, const std::string& flag, uint64_t def,
                                uint64_t min, uint64_t max) {
  if (!f.Has("--" + flag)) return def;
  uint64_t v = 0;
  if (!absl::SimpleAtoi(f.Get("--" + flag), &v) || v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": want a number from ", min, " to ",
                                                   max, ", got \"", f.Get("--" + flag), "\""));
  }
  return v;
}

absl::StatusOr<Options> Parse(const std::vector<std::string>& args) {
  auto f =
      ParseFlags(args, {"--services", "--patterns", "--contenders", "--runs", "--duration-ms",
                        "--packets", "--size", "--endpoints", "--generator", "--json", "--chart"});
  if (!f.ok()) return f.status();
  if (!f->positional.empty()) {
    return absl::InvalidArgumentError("unexpected argument \"" + f->positional[0] + "\"");
  }
  Options o;
  for (const auto& s : f->Has("--services")
                           ? f->List("--services")
                           : std::vector<std::string>{"1", "1000", "10000", "100000"}) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(s, &n) || n < 1 || n > bench::kMaxServices) {
      return absl::InvalidArgumentError(absl::StrCat("--services: want counts from 1 to ",
                                                     bench::kMaxServices, ", got \"", s, "\""));
    }
    o.services.push_back(n);
  }
  o.patterns =
      f->Has("--patterns") ? f->List("--patterns") : std::vector<std::string>{"new", "established"};
  for (const auto& p : o.patterns) {
    if (p != "new" && p != "established") {
      return absl::InvalidArgumentError("--patterns: want new or established, got \"" + p + "\"");
    }
  }
  o.contenders = f->Has("--contenders") ? f->List("--contenders") : bench::ContenderNames();
  for (const auto& c : o.contenders) {
    bool known = false;
    for (const auto& n : bench::ContenderNames()) known |= n == c;
    if (!known) {
      return absl::InvalidArgumentError(
          "--contenders: want sluice, iptables, nftables, floor or noop, got \"" + c + "\"");
    }
  }
  if (f->Has("--duration-ms") && f->Has("--packets")) {
    return absl::InvalidArgumentError("--duration-ms and --packets exclude each other");
  }
  auto runs = Number(*f, "runs", 3, 1, 100);
  auto duration = Number(*f, "duration-ms", 1000, 1, 600000);
  auto packets = Number(*f, "packets", 0, 1, 1u << 30);
  auto size = Number(*f, "size", 64, 64, 1514);
  auto endpoints = Number(*f, "endpoints", 3, 1, 100);
  for (const auto* v : {&runs, &duration, &packets, &size, &endpoints}) {
    if (!v->ok()) return v->status();
  }
  o.settings.runs = static_cast<uint32_t>(*runs);
  o.settings.packets = *packets;
  o.settings.duration_ms = *packets ? 0 : static_cast<uint32_t>(*duration);
  o.settings.size = static_cast<uint32_t>(*size);
  o.endpoints = static_cast<uint32_t>(*endpoints);
  for (uint32_t n : o.services) {
    if (static_cast<uint64_t>(n) * (o.endpoints + 1) >= (1u << 22)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--services ", n, " x --endpoints ", o.endpoints, ": the endpoints' range holds 4M"));
    }
  }
  o.generator = f->Has("--generator") ? f->Get("--generator") : "auto";
  if (o.generator != "auto" && o.generator != "live" && o.generator != "packet") {
    return absl::InvalidArgumentError("--generator: want auto, live or packet, got \"" +
                                      o.generator + "\"");
  }
  o.json = f->Get("--json");
  o.chart = f->Get("--chart");
  return o;
}

void Progress(const std::string& line) {
  std::cerr << "sluice bench: " << line << std::endl;
}

// One contender at one service count, every pattern, in a fresh topology
// that is gone when this returns.
absl::Status Measure(const Options& o, bench::GeneratorKind kind, const std::string& name,
                     uint32_t count, std::vector<Cell>& cells) {
  auto topo = bench::Topology::Create();
  if (!topo.ok()) return topo.status();
  auto live = bench::LivePrograms::Load((*topo)->sink_ns(), (*topo)->sink_ifindex());
  if (!live.ok()) return live.status();
  auto contender = bench::MakeContender(name, **topo, **live);
  if (!contender.ok()) return contender.status();
  const std::vector<BenchService> services = bench::MakeServices(count, o.endpoints);
  auto load = (*contender)->Load(services);
  if (!load.ok()) return load.status();
  if (auto s = bench::CheckInterrupted(); !s.ok()) return s;
  auto change = (*contender)->ChangeEndpoint(services.front(), bench::ChangedEndpoint(services));
  if (!change.ok()) return change.status();
  Progress(absl::StrCat(name, ", ", count, " services: loaded in ", *load,
                        " s, one endpoint "
                        "change in ",
                        *change < 0 ? "-" : absl::StrCat(*change, " s")));
  if (auto s = (*contender)->Prepare(kind); !s.ok()) return s;
  std::unique_ptr<bench::TrafficGenerator> gen;
  if (kind == bench::GeneratorKind::kLive) {
    gen = bench::MakeLiveGenerator((*contender)->Generator(), (*topo)->node_ns(),
                                   (*topo)->node_ext_ifindex());
  } else {
    auto packet = bench::PacketGenerator::Create((*topo)->client_ns(), "eth0");
    if (!packet.ok()) return packet.status();
    gen = std::move(*packet);
  }

  bench::FrameSpec spec;
  spec.size = o.settings.size;
  spec.src_mac = (*topo)->client_mac();
  spec.dst_mac = (*topo)->node_ext_mac();
  spec.daddr = bench::Target(services).vip;
  spec.sport = 40000;
  spec.dport = bench::kServicePort;
  const bench::RunLimit limit{o.settings.packets, o.settings.duration_ms, 0};
  const bench::Contender& c = **contender;
  auto delivered = [&c] { return c.Delivered(); };
  for (const auto& pattern : o.patterns) {
    const bool fresh = pattern == "new";
    // New flows come from 10.11.x.y (the generator writes the low half):
    // clients beyond the client's link. Not 10.10.x.y: 10.10.0.1 is the
    // node's own address, and the kernel drops a frame from it as a martian
    // (Sluice's XDP program does not), which had the kernel path lose a
    // third of each first new-flow run. Established: the client, 10.10.0.2.
    spec.saddr = fresh ? 0x0a0b0000 : 0x0a0a0002;
    const auto frame = bench::UdpFrame(spec);
    Cell cell{name, count, pattern, {}, *load, *change};
    if (auto s = gen->Calibrate(frame); !s.ok()) return s;
    // Every pattern starts from an empty flow table; new-flow runs each do.
    if (auto s = (*contender)->ForgetFlows(); !s.ok()) return s;
    if (!fresh) {
      // Open the flow, so that every measured packet finds it.
      auto r = gen->Run(frame, false, {16, 0}, delivered);
      if (!r.ok()) return r.status();
    }
    for (uint32_t i = 0; i < o.settings.runs; ++i) {
      if (fresh) {
        if (auto s = (*contender)->ForgetFlows(); !s.ok()) return s;
      }
      bench::RunLimit run_limit = limit;
      if (fresh) run_limit.max_packets = bench::kMaxNewFlowsPerRun;
      auto r = gen->Run(frame, fresh, run_limit, delivered);
      if (!r.ok()) return r.status();
      cell.runs.push_back(*r);
      Progress(absl::StrFormat(
          "%s, %u services, %s flows, run %u/%u: %.3f Mpps (%llu of %llu "
          "delivered)",
          name, count, pattern, i + 1, o.settings.runs,
          r->seconds > 0 ? r->delivered / r->seconds / 1e6 : 0.0,
          static_cast<unsigned long long>(r->delivered), static_cast<unsigned long long>(r->sent)));
    }
    cells.push_back(std::move(cell));
  }
  return (*topo)->Teardown();
}

// The generator for `wanted` ("auto": live frames when a probe run in a
// topology of its own works, else packets).
absl::StatusOr<bench::GeneratorKind> ChooseGenerator(const std::string& wanted) {
  if (wanted == "live") return bench::GeneratorKind::kLive;
  if (wanted == "packet") return bench::GeneratorKind::kPacket;
  auto topo = bench::Topology::Create();
  if (!topo.ok()) return topo.status();
  auto live = bench::LivePrograms::Load((*topo)->sink_ns(), (*topo)->sink_ifindex());
  if (!live.ok()) return live.status();
  auto probe = bench::ProbeLiveFrames(**live, (*topo)->node_ns(), (*topo)->node_ext_ifindex());
  if (auto s = (*topo)->Teardown(); !s.ok()) return s;
  if (probe.ok()) return bench::GeneratorKind::kLive;
  if (absl::IsCancelled(probe)) return probe;
  Progress(absl::StrCat("live frames refused (", probe.message(),
                        "): real frames from the client instead (--generator packet)"));
  return bench::GeneratorKind::kPacket;
}

}  // namespace

absl::Status RunBenchCommand(const std::vector<std::string>& args) {
  auto o = Parse(args);
  if (!o.ok()) return o.status();
  bench::CatchInterrupts();
  // One core: the generator and what it drives run where it runs.
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(sched_getcpu(), &cpus);
  sched_setaffinity(0, sizeof(cpus), &cpus);

  const bench::Machine machine = bench::DescribeMachine();
  auto kind = ChooseGenerator(o->generator);
  if (!kind.ok()) return kind.status();
  o->settings.generator = bench::GeneratorName(*kind);
  std::vector<Cell> cells;
  for (const auto& name : o->contenders) {
    for (uint32_t count : o->services) {
      if (auto s = Measure(*o, *kind, name, count, cells); !s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat(name, " at ", count, " services: ", s.message()));
      }
    }
  }
  std::cout << bench::TextReport(machine, o->settings, cells);
  if (!o->json.empty()) {
    std::ofstream f(o->json);
    f << bench::JsonReport(machine, o->settings, cells);
    if (!f) return absl::InternalError("writing " + o->json);
  }
  if (!o->chart.empty()) {
    if (auto s = bench::Chart(cells, o->chart); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice
