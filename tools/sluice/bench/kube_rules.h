// kube-proxy's rules for the benchmark's Services, written by us from the
// layout kube-proxy uses (pkg/proxy/iptables and pkg/proxy/nftables in
// kubernetes/kubernetes): the text each mode hands to iptables-restore or
// `nft -f`, for a full load and for one endpoint change.
//
// iptables: nat KUBE-SERVICES -> one rule per service port jumping to
// KUBE-SVC-<hash> (masquerade mark for sources outside the cluster range,
// then one KUBE-SEP-<hash> per endpoint chosen with `statistic --mode random`
// probabilities 1/n, 1/(n-1), ..., each SEP marking hairpin traffic and
// DNATing), KUBE-MARK-MASQ / KUBE-POSTROUTING masquerading marked packets,
// filter KUBE-FORWARD accepting marked and established traffic.
// nftables: table `ip kube-proxy`, the `service-ips` verdict map keyed by
// address . protocol . port, per-service chains choosing an endpoint chain
// with `numgen random mod n vmap`, endpoint chains DNATing.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_KUBE_RULES_H_
#define SLUICE_TOOLS_SLUICE_BENCH_KUBE_RULES_H_

#include <string>
#include <vector>

#include "tools/sluice/bench/services.h"

namespace sluice::bench {

// iptables-restore input replacing the nat and filter tables.
std::string IptablesRules(const std::vector<BenchService>& services);
// iptables-restore --noflush input moving `before` to `after` (same service):
// the service chain rewritten, new endpoint chains added, gone ones removed,
// as kube-proxy's partial sync does.
std::string IptablesEndpointChange(const BenchService& before, const BenchService& after);

// `nft -f` input creating table ip kube-proxy.
std::string NftRules(const std::vector<BenchService>& services);
// `nft -f` input for the same endpoint change, one transaction.
std::string NftEndpointChange(const BenchService& before, const BenchService& after);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_KUBE_RULES_H_
