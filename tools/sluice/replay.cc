#include "tools/sluice/replay.h"

#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "control/agent/model.h"
#include "control/k8s/objects.h"
#include "dataplane/lb_names.h"
#include "dataplane/reference/reference_engine.h"
#include "dataplane/service_table.h"
#include "tools/sluice/pcap_io.h"

namespace sluice {

const char kReplayUsage[] =
    "usage: sluice replay --objects FILE --node-ip IP[,IP] [--node-name NAME]\n"
    "                     [--cluster-cidr CIDR[,CIDR]] [--from external|local] IN.pcap OUT.pcap\n"
    "  A packet whose source is in --cluster-cidr or is a node address enters as\n"
    "  local traffic (from a pod or the node); any other as external. --from\n"
    "  forces one or the other for every packet.";

namespace {

struct ReplayOptions {
  std::string objects;
  std::vector<IpAddress> node_ips;
  std::string node_name;
  std::optional<lb_hook> hook;
  std::vector<IpPrefix> cluster_cidrs;
  std::string in;
  std::string out;
};

absl::StatusOr<ReplayOptions> ParseArgs(const std::vector<std::string>& args) {
  ReplayOptions o;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (a == "--objects") {
      auto v = value("--objects");
      if (!v.ok()) return v.status();
      o.objects = *v;
    } else if (a == "--node-ip") {
      auto v = value("--node-ip");
      if (!v.ok()) return v.status();
      for (absl::string_view part : absl::StrSplit(*v, ',')) {
        auto ip = IpAddress::Parse(part);
        if (!ip.ok())
          return absl::InvalidArgumentError(absl::StrCat("--node-ip: ", ip.status().message()));
        o.node_ips.push_back(*ip);
      }
    } else if (a == "--node-name") {
      auto v = value("--node-name");
      if (!v.ok()) return v.status();
      o.node_name = *v;
    } else if (a == "--cluster-cidr") {
      auto v = value("--cluster-cidr");
      if (!v.ok()) return v.status();
      for (absl::string_view part : absl::StrSplit(*v, ',')) {
        auto p = IpPrefix::Parse(part);
        if (!p.ok())
          return absl::InvalidArgumentError(absl::StrCat("--cluster-cidr: ", p.status().message()));
        o.cluster_cidrs.push_back(*p);
      }
    } else if (a == "--from") {
      auto v = value("--from");
      if (!v.ok()) return v.status();
      if (*v == "local")
        o.hook = LB_HOOK_LOCAL;
      else if (*v == "external")
        o.hook = LB_HOOK_EXTERNAL;
      else
        return absl::InvalidArgumentError(
            absl::StrCat("--from: \"", *v, "\": want external or local"));
    } else if (a.rfind("--", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", a));
    } else {
      positional.push_back(a);
    }
  }
  if (o.objects.empty()) return absl::InvalidArgumentError("--objects is required");
  if (o.node_ips.empty()) return absl::InvalidArgumentError("--node-ip is required");
  if (positional.size() != 2) return absl::InvalidArgumentError("want IN.pcap and OUT.pcap");
  o.in = positional[0];
  o.out = positional[1];
  return o;
}

// The source address of an Ethernet frame, if it is IP.
std::optional<IpAddress> SourceAddress(const std::vector<uint8_t>& f) {
  if (f.size() >= 34 && f[12] == 0x08 && f[13] == 0x00) {
    lb_addr a{};
    std::memcpy(&a.v4, &f[26], 4);
    return IpAddress::FromAbi(a, LB_AF_INET);
  }
  if (f.size() >= 54 && f[12] == 0x86 && f[13] == 0xdd) {
    lb_addr a{};
    std::memcpy(a.b, &f[22], 16);
    return IpAddress::FromAbi(a, LB_AF_INET6);
  }
  return std::nullopt;
}

// Which hook a packet would meet on a real node: pods' and the node's own
// traffic at the local hooks, everything else at the external interface.
lb_hook HookFor(const ReplayOptions& o, const std::vector<uint8_t>& frame) {
  if (o.hook) return *o.hook;
  auto src = SourceAddress(frame);
  if (!src) return LB_HOOK_EXTERNAL;
  for (const IpAddress& n : o.node_ips)
    if (n == *src) return LB_HOOK_LOCAL;
  for (const IpPrefix& p : o.cluster_cidrs)
    if (p.Contains(*src)) return LB_HOOK_LOCAL;
  return LB_HOOK_EXTERNAL;
}

}  // namespace

absl::Status RunReplayCommand(const std::vector<std::string>& args, std::ostream& out) {
  auto opts = ParseArgs(args);
  if (!opts.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts.status().message(), "\n", kReplayUsage));

  auto objects = k8s::LoadObjectsFile(opts->objects);
  if (!objects.ok()) return objects.status();
  agent::NodeInfo node_info;
  node_info.node_name = opts->node_name;
  auto model = agent::BuildServiceModel(*objects, node_info);
  if (!model.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts->objects, ": ", model.status().message()));

  ReferenceEngine engine;
  ServiceTable table(&engine);
  NodeConfig node;
  node.node_addresses = opts->node_ips;
  if (auto s = table.SetNode(node); !s.ok()) return s;
  if (auto s = table.Apply(*model); !s.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts->objects, ": ", s.message()));

  auto writer = PcapWriter::Open(opts->out);
  if (!writer.ok()) return writer.status();
  uint64_t packets = 0, written = 0;
  std::map<std::string, uint64_t> by_service;
  auto s = ReadPcap(opts->in, [&](CapturedPacket& pkt) {
    ++packets;
    if (pkt.time_ns > engine.time_ns()) engine.SetTimeNs(pkt.time_ns);
    lb_result r = engine.Process(pkt.data, HookFor(*opts, pkt.data));
    if (r.verdict == LB_VERDICT_FORWARD || r.verdict == LB_VERDICT_REJECT) {
      (*writer)->Write(pkt);
      ++written;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (auto c = (*writer)->Close(); !c.ok()) return c;

  const auto& st = table.stats();
  out << absl::StrFormat(
      "objects: %d services, %d endpoint slices -> %d service ports programmed "
      "(%d frontends, %d backends)\n",
      objects->services.size(), objects->endpoint_slices.size(), st.services, st.frontends,
      st.backends);
  if (st.frontend_conflicts)
    out << absl::StrFormat("warning: %d frontends claimed by two services; the first kept\n",
                           st.frontend_conflicts);
  out << absl::StrFormat("packets: %d read, %d written to %s\n", packets, written, opts->out);
  std::vector<uint64_t> c = engine.Counters();
  for (uint32_t v : {LB_CNT_FORWARD, LB_CNT_REJECT, LB_CNT_PASS, LB_CNT_DROP})
    out << absl::StrFormat("  %-8s %d\n", CounterName(v), c[v]);
  for (uint32_t i = 1; i < LB_DROP_REASON_COUNT; ++i)
    if (c[DropCounter(static_cast<uint8_t>(i))])
      out << absl::StrFormat("    %-18s %d\n", DropReasonName(static_cast<uint8_t>(i)),
                             c[DropCounter(static_cast<uint8_t>(i))]);
  out << absl::StrFormat("flows: %d new, %d replies, %d icmp errors translated\n", c[LB_CNT_CT_NEW],
                         c[LB_CNT_REPLY], c[LB_CNT_ICMP_ERROR]);
  return absl::OkStatus();
}

}  // namespace sluice
