#include "tools/sluice/bench/kube_rules.h"

#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace sluice::bench {
namespace {

// 16 characters of a 64-bit FNV-1a hash in base 32: stable chain names of the
// same shape as kube-proxy's (which hashes with SHA-256).
std::string Hash16(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kAlphabet[h & 31];
    h = (h >> 5) | (h << 59);
  }
  return out;
}

std::string Endpoint(uint32_t ep) {
  return absl::StrCat(Ipv4String(ep), ":", kEndpointPort);
}

std::string SvcChain(const BenchService& s) {
  return "KUBE-SVC-" + Hash16(s.name + "udp");
}

std::string SepChain(const BenchService& s, uint32_t ep) {
  return "KUBE-SEP-" + Hash16(s.name + "udp" + Endpoint(ep));
}

std::string Probability(size_t remaining) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0.10f", 1.0 / static_cast<double>(remaining));
  return buf;
}

// The KUBE-SVC chain's rules and its KUBE-SEP chains' rules.
void IptablesServiceRules(const BenchService& s, std::string& out) {
  const std::string vip = Ipv4String(s.vip), svc = SvcChain(s);
  absl::StrAppend(&out, "-A ", svc, " ! -s ", kClusterCidr, " -d ", vip,
                  "/32 -p udp -m comment --comment \"", s.name, " cluster IP\" -m udp --dport ",
                  kServicePort, " -j KUBE-MARK-MASQ\n");
  for (size_t i = 0; i < s.endpoints.size(); ++i) {
    absl::StrAppend(&out, "-A ", svc, " -m comment --comment \"", s.name, " -> ",
                    Endpoint(s.endpoints[i]), "\"");
    if (i + 1 < s.endpoints.size()) {
      absl::StrAppend(&out, " -m statistic --mode random --probability ",
                      Probability(s.endpoints.size() - i));
    }
    absl::StrAppend(&out, " -j ", SepChain(s, s.endpoints[i]), "\n");
  }
  for (uint32_t ep : s.endpoints) {
    const std::string sep = SepChain(s, ep);
    absl::StrAppend(&out, "-A ", sep, " -s ", Ipv4String(ep), "/32 -m comment --comment ", s.name,
                    " -j KUBE-MARK-MASQ\n");
    absl::StrAppend(&out, "-A ", sep, " -p udp -m comment --comment ", s.name,
                    " -m udp -j DNAT --to-destination ", Endpoint(ep), "\n");
  }
}

std::string NftServiceChain(const BenchService& s) {
  return "service-" + Hash16(s.name + "udp").substr(0, 8) + "-bench/" +
         s.name.substr(6, s.name.find(':') - 6) + "/udp/p80";
}

std::string NftEndpointChain(const BenchService& s, uint32_t ep) {
  return "endpoint-" + Hash16(s.name + "udp" + Endpoint(ep)).substr(0, 8) + "-" +
         NftServiceChain(s).substr(17) + "__" + Ipv4String(ep) + "/" +
         std::to_string(kEndpointPort);
}

void NftEndpoint(const BenchService& s, uint32_t ep, std::string& out) {
  const std::string c = NftEndpointChain(s, ep);
  absl::StrAppend(&out, "add chain ip kube-proxy ", c, "\n");
  absl::StrAppend(&out, "add rule ip kube-proxy ", c, " ip saddr ", Ipv4String(ep),
                  " jump mark-for-masquerade\n");
  absl::StrAppend(&out, "add rule ip kube-proxy ", c, " meta l4proto udp dnat to ", Endpoint(ep),
                  "\n");
}

void NftServiceRules(const BenchService& s, std::string& out) {
  const std::string c = NftServiceChain(s);
  absl::StrAppend(&out, "add rule ip kube-proxy ", c, " ip daddr ", Ipv4String(s.vip),
                  " udp dport ", kServicePort, " ip saddr != ", kClusterCidr,
                  " jump mark-for-masquerade\n");
  absl::StrAppend(&out, "add rule ip kube-proxy ", c, " numgen random mod ", s.endpoints.size(),
                  " vmap {");
  for (size_t i = 0; i < s.endpoints.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : " ", i, " : goto ", NftEndpointChain(s, s.endpoints[i]));
  }
  out += " }\n";
}

}  // namespace

std::string IptablesRules(const std::vector<BenchService>& services) {
  std::string out = "*filter\n:KUBE-FORWARD - [0:0]\n";
  out +=
      "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
      "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
      "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
      "0x4000/0x4000 -j ACCEPT\n"
      "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack "
      "--ctstate RELATED,ESTABLISHED -j ACCEPT\n"
      "COMMIT\n";
  out += "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n";
  for (const auto& s : services) {
    absl::StrAppend(&out, ":", SvcChain(s), " - [0:0]\n");
    for (uint32_t ep : s.endpoints) absl::StrAppend(&out, ":", SepChain(s, ep), " - [0:0]\n");
  }
  out +=
      "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
      "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
      "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
      "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
      "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
      "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j "
      "MASQUERADE --random-fully\n";
  for (const auto& s : services) {
    absl::StrAppend(&out, "-A KUBE-SERVICES -d ", Ipv4String(s.vip),
                    "/32 -p udp -m comment --comment \"", s.name, " cluster IP\" -m udp --dport ",
                    kServicePort, " -j ", SvcChain(s), "\n");
  }
  for (const auto& s : services) IptablesServiceRules(s, out);
  out += "COMMIT\n";
  return out;
}

std::string IptablesEndpointChange(const BenchService& before, const BenchService& after) {
  std::string out = "*nat\n";
  // Declaring a chain flushes it under --noflush.
  absl::StrAppend(&out, ":", SvcChain(after), " - [0:0]\n");
  for (uint32_t ep : after.endpoints) absl::StrAppend(&out, ":", SepChain(after, ep), " - [0:0]\n");
  std::vector<std::string> gone;
  for (uint32_t ep : before.endpoints) {
    bool kept = false;
    for (uint32_t e : after.endpoints) kept |= e == ep;
    if (!kept) gone.push_back(SepChain(before, ep));
  }
  // A chain must be empty to be deleted: declared (flushed) first.
  for (const auto& c : gone) absl::StrAppend(&out, ":", c, " - [0:0]\n");
  IptablesServiceRules(after, out);
  for (const auto& c : gone) absl::StrAppend(&out, "-X ", c, "\n");
  out += "COMMIT\n";
  return out;
}

std::string NftRules(const std::vector<BenchService>& services) {
  std::string out =
      "add table ip kube-proxy { comment \"rules for kube-proxy\" ; }\n"
      "add chain ip kube-proxy mark-for-masquerade\n"
      "add rule ip kube-proxy mark-for-masquerade meta mark set meta mark or 0x4000\n"
      "add chain ip kube-proxy masquerading\n"
      "add rule ip kube-proxy masquerading meta mark & 0x4000 == 0 return\n"
      "add rule ip kube-proxy masquerading meta mark set meta mark xor 0x4000\n"
      "add rule ip kube-proxy masquerading masquerade fully-random\n"
      "add chain ip kube-proxy services\n"
      "add chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; policy "
      "accept ; }\n"
      "add rule ip kube-proxy filter-forward ct state invalid drop\n"
      "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; policy "
      "accept ; }\n"
      "add rule ip kube-proxy nat-prerouting jump services\n"
      "add chain ip kube-proxy nat-output { type nat hook output priority -100 ; policy accept ; "
      "}\n"
      "add rule ip kube-proxy nat-output jump services\n"
      "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; policy "
      "accept ; }\n"
      "add rule ip kube-proxy nat-postrouting jump masquerading\n"
      "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; "
      "comment \"ClusterIP, ExternalIP and LoadBalancer IP traffic\" ; }\n";
  for (const auto& s : services) {
    for (uint32_t ep : s.endpoints) NftEndpoint(s, ep, out);
    absl::StrAppend(&out, "add chain ip kube-proxy ", NftServiceChain(s), "\n");
    NftServiceRules(s, out);
    absl::StrAppend(&out, "add element ip kube-proxy service-ips { ", Ipv4String(s.vip),
                    " . udp . ", kServicePort, " : goto ", NftServiceChain(s), " }\n");
  }
  out += "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips\n";
  return out;
}

std::string NftEndpointChange(const BenchService& before, const BenchService& after) {
  std::string out;
  for (uint32_t ep : after.endpoints) {
    bool had = false;
    for (uint32_t e : before.endpoints) had |= e == ep;
    if (!had) NftEndpoint(after, ep, out);
  }
  absl::StrAppend(&out, "flush chain ip kube-proxy ", NftServiceChain(after), "\n");
  NftServiceRules(after, out);
  for (uint32_t ep : before.endpoints) {
    bool kept = false;
    for (uint32_t e : after.endpoints) kept |= e == ep;
    if (!kept)
      absl::StrAppend(&out, "delete chain ip kube-proxy ", NftEndpointChain(before, ep), "\n");
  }
  return out;
}

}  // namespace sluice::bench
