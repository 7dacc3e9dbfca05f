// libFuzzer target: arbitrary frames through the packet core, with a set of
// services that reaches every path (ClusterIP, NodePort with masquerade,
// Local policy, affinity, round-robin, random, no endpoints, IPv4 and IPv6,
// TCP, UDP, SCTP). Built with ASan and UBSan by scripts/fuzz.sh.
//
// Input: byte 0 is control (bit 0: hook; bits 1-6: seconds to advance;
// 0xff: reprogram with half the backends), the rest is the frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/reference/reference_engine.h"
#include "dataplane/service_table.h"

namespace sluice {
namespace {

IpAddress Ip(const char* s) {
  return *IpAddress::Parse(s);
}

ServicePort Port(const char* name, Algorithm alg, Protocol proto, uint16_t port,
                 std::vector<Frontend> frontends, std::vector<const char*> backends) {
  ServicePort p;
  p.name = name;
  p.algorithm = alg;
  p.maglev_table_size = 251;
  p.frontends = std::move(frontends);
  for (const Frontend& f : p.frontends) (void)f;
  for (auto& f : p.frontends) f.protocol = proto, f.port = f.port ? f.port : port;
  for (size_t i = 0; i < backends.size(); ++i) {
    Backend b;
    b.address = Ip(backends[i]);
    b.port = 8080;
    b.node_local = i % 2 == 0;
    b.terminating = i == 3;
    b.ready = i != 3;
    p.backends.push_back(b);
  }
  return p;
}

std::vector<ServicePort> Services(bool half) {
  auto fe = [](FrontendKind k, const char* a) {
    Frontend f;
    f.kind = k;
    if (a) f.address = Ip(a);
    return f;
  };
  std::vector<const char*> v4 = {"10.244.1.1", "10.244.1.2", "10.244.1.3", "10.244.1.4"};
  std::vector<const char*> v6 = {"fd00:244::1", "fd00:244::2", "fd00:244::3"};
  if (half) v4.resize(2), v6.resize(1);
  std::vector<ServicePort> out;
  out.push_back(
      Port("a/web:tcp", Algorithm::kMaglev, Protocol::kTCP, 80,
           {fe(FrontendKind::kClusterIP, "10.96.0.10"), fe(FrontendKind::kClusterIP, "fd00:96::10"),
            fe(FrontendKind::kLoadBalancer, "198.51.100.1")},
           {v4[0], v4[1], v6[0]}));
  ServicePort np =
      Port("a/np:udp", Algorithm::kRoundRobin, Protocol::kUDP, 53,
           {fe(FrontendKind::kClusterIP, "10.96.0.11"), fe(FrontendKind::kNodePort, nullptr)}, v4);
  np.frontends[1].port = 30053;
  np.session_affinity = true;
  np.affinity_timeout_s = 5;
  out.push_back(np);
  ServicePort local =
      Port("a/local:tcp", Algorithm::kRandom, Protocol::kTCP, 80,
           {fe(FrontendKind::kExternalIP, "192.0.2.5"), fe(FrontendKind::kNodePort, nullptr)}, v4);
  local.frontends[1].port = 30080;
  local.frontends[1].family = IpFamily::kV6;
  local.external_policy = TrafficPolicy::kLocal;
  out.push_back(local);
  out.push_back(Port("a/sctp:s", Algorithm::kMaglev, Protocol::kSCTP, 7777,
                     {fe(FrontendKind::kClusterIP, "10.96.0.12")}, {v4[0]}));
  out.push_back(Port(
      "a/empty:tcp", Algorithm::kMaglev, Protocol::kTCP, 80,
      {fe(FrontendKind::kClusterIP, "10.96.0.13"), fe(FrontendKind::kClusterIP, "fd00:96::13")},
      {}));
  out.push_back(Port(
      "a/empty:udp", Algorithm::kMaglev, Protocol::kUDP, 53,
      {fe(FrontendKind::kClusterIP, "10.96.0.13"), fe(FrontendKind::kClusterIP, "fd00:96::13")},
      {}));
  return out;
}

struct Harness {
  ReferenceEngine engine;
  ServiceTable table{&engine};
  bool half = false;
  Harness() {
    NodeConfig node;
    node.node_addresses = {Ip("192.168.1.10"), Ip("fd00::10")};
    node.snat_port_min = 40000;
    node.snat_port_max = 40063;  // small, so that exhaustion is reachable
    if (!table.SetNode(node).ok() || !table.Apply(Services(false)).ok()) std::abort();
  }
};

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sluice::Harness* h = new sluice::Harness();
  if (size < 1) return 0;
  uint8_t ctl = data[0];
  if (ctl == 0xff) {
    h->half = !h->half;
    if (!h->table.Apply(sluice::Services(h->half)).ok()) std::abort();
    return 0;
  }
  h->engine.SetTimeNs(h->engine.time_ns() + (uint64_t{(ctl >> 1) & 0x3fu} << 30));
  std::vector<uint8_t> pkt(data + 1, data + size);
  size_t in_len = pkt.size();
  lb_result r = h->engine.Process(pkt, (ctl & 1) ? LB_HOOK_LOCAL : LB_HOOK_EXTERNAL);
  if (r.verdict > LB_VERDICT_DROP) std::abort();
  if (r.verdict == LB_VERDICT_DROP && (r.reason == 0 || r.reason >= LB_DROP_REASON_COUNT))
    std::abort();
  if (r.verdict == LB_VERDICT_PASS && pkt.size() != in_len) std::abort();
  if (r.verdict == LB_VERDICT_FORWARD && pkt.size() != in_len) std::abort();
  return 0;
}
