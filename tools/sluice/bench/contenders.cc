#include "tools/sluice/bench/contenders.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/bpf/bpf_engine.h"
#include "dataplane/service_table.h"
#include "lb_live_sluice.skel.h"
#include "tools/sluice/bench/command.h"
#include "tools/sluice/bench/interrupt.h"
#include "tools/sluice/bench/kube_rules.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Any contender whose packets take the node's kernel path.
class KernelPath : public Contender {
 public:
  KernelPath(const Topology& t, const LivePrograms& live) : topo_(t), live_(live) {}
  absl::StatusOr<double> Load(const std::vector<BenchService>&) override { return 0.0; }
  absl::StatusOr<double> ChangeEndpoint(const BenchService&, const BenchService&) override {
    return -1.0;
  }
  GeneratorControl Generator() const override { return live_.Generator(); }
  uint64_t Delivered() const override { return live_.Sunk(); }
  absl::Status ForgetFlows() override { return Run(topo_.node_ns(), {"conntrack", "-F"}).status(); }

 protected:
  // Runs argv in the node's namespace with `input`; returns the seconds.
  absl::StatusOr<double> Timed(const std::vector<std::string>& argv, const std::string& input) {
    auto t = Clock::now();
    if (auto r = Run(topo_.node_ns(), argv, input); !r.ok()) return r.status();
    return Since(t);
  }
  const Topology& topo_;
  const LivePrograms& live_;
};

class Iptables : public KernelPath {
 public:
  using KernelPath::KernelPath;
  absl::StatusOr<double> Load(const std::vector<BenchService>& services) override {
    return Timed({"iptables-restore"}, IptablesRules(services));
  }
  absl::StatusOr<double> ChangeEndpoint(const BenchService& before,
                                        const BenchService& after) override {
    return Timed({"iptables-restore", "--noflush"}, IptablesEndpointChange(before, after));
  }
};

class Nftables : public KernelPath {
 public:
  using KernelPath::KernelPath;
  absl::StatusOr<double> Load(const std::vector<BenchService>& services) override {
    return Timed({"nft", "-f", "-"}, NftRules(services));
  }
  absl::StatusOr<double> ChangeEndpoint(const BenchService& before,
                                        const BenchService& after) override {
    return Timed({"nft", "-f", "-"}, NftEndpointChange(before, after));
  }
};

class Noop : public KernelPath {
 public:
  using KernelPath::KernelPath;
  absl::Status Prepare(GeneratorKind kind) override {
    if (kind == GeneratorKind::kLive) return absl::OkStatus();
    return live_.AttachCeiling(topo_.node_ns(), topo_.node_ext_ifindex());
  }
  GeneratorControl Generator() const override { return live_.Noop(); }
  uint64_t Delivered() const override { return live_.Ceiling(); }
  absl::Status ForgetFlows() override { return absl::OkStatus(); }
};

ServicePort ToServicePort(const BenchService& s) {
  ServicePort p;
  p.name = s.name;
  // Random, as kube-proxy chooses; Maglev tables for 100,000 services would
  // measure memory, not packets.
  p.algorithm = Algorithm::kRandom;
  Frontend f;
  f.address = IpAddress::FromV4(s.vip);
  f.port = kServicePort;
  f.protocol = Protocol::kUDP;
  p.frontends.push_back(f);
  for (uint32_t ep : s.endpoints) {
    Backend b;
    b.address = IpAddress::FromV4(ep);
    b.port = kEndpointPort;
    p.backends.push_back(b);
  }
  return p;
}

class Sluice : public Contender {
 public:
  Sluice(const Topology& topo, const LivePrograms& live) : topo_(topo), live_(live) {}
  ~Sluice() override {
    table_.reset();
    lb_live_sluice__destroy(skel_);
  }

  absl::Status Init() {
    auto engine = BpfEngine::Create({});
    if (!engine.ok()) return engine.status();
    engine_ = std::move(*engine);
    skel_ = lb_live_sluice__open();
    if (!skel_)
      return absl::InternalError(absl::StrCat("opening bpf/lb_live_sluice.c: ", strerror(errno)));
    if (auto s = engine_->ShareMaps(skel_->obj); !s.ok()) return s;
    if (lb_live_sluice__load(skel_) != 0) {
      return absl::InternalError(absl::StrCat("loading bpf/lb_live_sluice.c: ", strerror(errno)));
    }
    skel_->bss->lb_xdp_redirect = 1;  // forward as on a node
    table_ = std::make_unique<ServiceTable>(engine_.get());
    NodeConfig node;
    node.node_addresses = {*IpAddress::Parse("10.10.0.1")};
    return table_->SetNode(node);
  }

  absl::StatusOr<double> Load(const std::vector<BenchService>& services) override {
    auto t = Clock::now();
    desired_.clear();
    desired_.reserve(services.size());
    // In steps (Apply changes only what differs), so that Ctrl-C is heard
    // during a long load.
    for (size_t i = 0; i < services.size(); ++i) {
      desired_.push_back(ToServicePort(services[i]));
      if (desired_.size() % 256 == 0 || i + 1 == services.size()) {
        if (auto s = CheckInterrupted(); !s.ok()) return s;
        if (auto s = table_->Apply(desired_); !s.ok()) return s;
      }
    }
    return Since(t);
  }
  absl::StatusOr<double> ChangeEndpoint(const BenchService&, const BenchService& after) override {
    auto t = Clock::now();
    desired_.front() = ToServicePort(after);
    if (auto s = table_->Apply(desired_); !s.ok()) return s;
    return Since(t);
  }
  // Real frames meet the program the agent attaches to a node's external
  // interface, forwarding as on a node.
  absl::Status Prepare(GeneratorKind kind) override {
    if (kind == GeneratorKind::kLive) return absl::OkStatus();
    engine_->EnableRedirect(true);
    return AttachXdpInNetns(topo_.node_ns(), topo_.node_ext_ifindex(),
                            engine_->ProgramFd(LB_HOOK_EXTERNAL), "Sluice's XDP program");
  }
  GeneratorControl Generator() const override {
    return {bpf_program__fd(skel_->progs.lb_live_sluice), skel_->bss->lb_live_frame,
            &skel_->bss->lb_live_new_flows};
  }
  uint64_t Delivered() const override { return live_.Sunk(); }
  absl::Status ForgetFlows() override {
    return engine_->FlushConntrack([](const lb_ct_key&, const lb_ct_entry&) { return true; })
        .status();
  }

 private:
  const Topology& topo_;
  const LivePrograms& live_;
  std::unique_ptr<BpfEngine> engine_;
  lb_live_sluice* skel_ = nullptr;
  std::unique_ptr<ServiceTable> table_;
  std::vector<ServicePort> desired_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Contender>> MakeContender(const std::string& name,
                                                         const Topology& topology,
                                                         const LivePrograms& live) {
  if (name == "sluice") {
    auto c = std::make_unique<Sluice>(topology, live);
    if (auto s = c->Init(); !s.ok()) return s;
    return c;
  }
  if (name == "iptables") return std::make_unique<Iptables>(topology, live);
  if (name == "nftables") return std::make_unique<Nftables>(topology, live);
  if (name == "floor") return std::make_unique<KernelPath>(topology, live);
  if (name == "noop") return std::make_unique<Noop>(topology, live);
  return absl::InvalidArgumentError("unknown contender \"" + name + "\"");
}

}  // namespace sluice::bench
