#include "tools/sluice/server_command.h"

#include <signal.h>

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"
#include "control/controllers/controller_manager.h"
#include "tools/sluice/flags.h"

namespace sluice {

const char kServerUsage[] =
    "usage: sluice server --data-dir DIR [--store etcd[s]://HOST:PORT[,HOST:PORT]]\n"
    "         [--etcd-cafile FILE] [--etcd-certfile FILE --etcd-keyfile FILE]\n"
    "         [--listen ADDRESS:PORT] [--kubeconfig-out FILE]\n"
    "         [--node-kubeconfig-out FILE] [--advertise-address IP] [--tls-san NAME,...]\n"
    "         [--insecure-listen ADDRESS:PORT] [--lb-pools FILE]\n"
    "         [--service-cluster-ip-range CIDR[,CIDR]] [--service-node-port-range MIN-MAX]\n"
    "  Serves the Kubernetes API over HTTPS, backed by a SQLite store in DIR or,\n"
    "  with --store, by an etcd cluster that several servers can share, and runs\n"
    "  the controllers (Service IPs and ports, LoadBalancer IPs, EndpointSlices);\n"
    "  servers sharing an etcd elect one to run them (Lease\n"
    "  kube-system/sluice-controller-manager). etcds:// or --etcd-cafile speak TLS\n"
    "  to etcd; --etcd-certfile/--etcd-keyfile add a client certificate.\n"
    "  The first start makes in DIR a CA, a serving certificate signed by it (for\n"
    "  the listen address, loopback, localhost, kubernetes[.default[.svc[.cluster.local]]],\n"
    "  the kubernetes Service's ClusterIP, the advertise address and every --tls-san)\n"
    "  and two bearer tokens: an admin token and a read-only node token for agents.\n"
    "  Later starts reuse them. Requests without a known token get 401 (/healthz,\n"
    "  /livez, /readyz and /version excepted); the node token may only get, list\n"
    "  and watch.\n"
    "  --listen defaults to 127.0.0.1:6443; port 0 picks a free one.\n"
    "  --kubeconfig-out writes an admin kubeconfig (CA and token embedded) and\n"
    "  --node-kubeconfig-out a node one, once the server listens.\n"
    "  --advertise-address is where other machines reach the server: the\n"
    "  endpoint of the default/kubernetes Service (default: the listen address).\n"
    "  --insecure-listen adds plain HTTP on a loopback address (same tokens).\n"
    "  /metrics has the request counts and durations in Prometheus' format.\n"
    "  --lb-pools: LoadBalancer address pools (YAML or JSON, see\n"
    "  control/controllers/README.md); without it LoadBalancer Services stay pending.\n"
    "  --service-cluster-ip-range: one CIDR per family, the first one primary\n"
    "  (10.96.0.0/16,fd00:10:96::/112); --service-node-port-range: 30000-32767.";

namespace {

absl::Status ParseListen(const std::string& flag, const std::string& text, std::string* address,
                         uint16_t* port) {
  size_t colon = text.rfind(':');
  uint32_t value = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), &value) ||
      value > 65535)
    return absl::InvalidArgumentError(absl::StrCat(flag, ": expected ADDRESS:PORT, got ", text));
  *address = text.substr(0, colon);
  if (address->size() >= 2 && address->front() == '[')
    *address = address->substr(1, address->size() - 2);
  *port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

absl::Status ParseNodePortRange(const std::string& text, int* min, int* max) {
  size_t dash = text.find('-');
  if (dash == std::string::npos || !absl::SimpleAtoi(text.substr(0, dash), min) ||
      !absl::SimpleAtoi(text.substr(dash + 1), max))
    return absl::InvalidArgumentError(
        absl::StrCat("--service-node-port-range: expected MIN-MAX, got ", text));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunServerCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(
      args, {"--data-dir", "--store", "--listen", "--kubeconfig-out", "--node-kubeconfig-out",
             "--advertise-address", "--tls-san", "--insecure-listen", "--lb-pools",
             "--service-cluster-ip-range", "--service-node-port-range", "--etcd-cafile",
             "--etcd-certfile", "--etcd-keyfile"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kServerUsage));
  // The certificates and tokens live in DIR even when the objects are in etcd.
  if (!flags->Has("--data-dir"))
    return absl::InvalidArgumentError(absl::StrCat("--data-dir is required\n", kServerUsage));
  apiserver::ApiServerOptions options{.data_dir = flags->Get("--data-dir"),
                                      .store = flags->Get("--store"),
                                      .advertise_address = flags->Get("--advertise-address"),
                                      .extra_sans = flags->List("--tls-san")};
  // TLS to etcd, as kube-apiserver's flags (or etcds:// alone: system roots).
  options.etcd_tls = {.enabled = flags->Has("--etcd-cafile") || flags->Has("--etcd-certfile"),
                      .ca_file = flags->Get("--etcd-cafile"),
                      .cert_file = flags->Get("--etcd-certfile"),
                      .key_file = flags->Get("--etcd-keyfile")};
  if (auto s = ParseListen("--listen", flags->Get("--listen", "127.0.0.1:6443"),
                           &options.listen_address, &options.port);
      !s.ok())
    return s;
  if (flags->Has("--service-cluster-ip-range"))
    options.service_network.cluster_ip_ranges = flags->List("--service-cluster-ip-range");
  if (flags->Has("--service-node-port-range")) {
    if (auto s = ParseNodePortRange(flags->Get("--service-node-port-range"),
                                    &options.service_network.node_port_min,
                                    &options.service_network.node_port_max);
        !s.ok())
      return s;
  }
  if (flags->Has("--insecure-listen")) {
    std::string address;
    if (auto s = ParseListen("--insecure-listen", flags->Get("--insecure-listen"), &address,
                             &options.insecure_port);
        !s.ok())
      return s;
    options.insecure_listen_address = address;
  }

  // Block the signals before any thread starts, so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = apiserver::ApiServer::Start(options);
  if (!server.ok()) return server.status();
  const apiserver::ApiServer& s = **server;
  auto controllers =
      controllers::ControllerManager::Start(s.store(), {.lb_pools_file = flags->Get("--lb-pools"),
                                                        // Servers sharing an etcd take turns.
                                                        .leader_election = flags->Has("--store")});
  if (!controllers.ok()) return controllers.status();
  for (const auto& [flag, user] :
       {std::pair{"--kubeconfig-out",
                  apiserver::KubeconfigUser{"sluice-admin", s.tokens().admin_token()}},
        std::pair{"--node-kubeconfig-out",
                  apiserver::KubeconfigUser{"sluice-node", s.tokens().node_token()}}}) {
    if (!flags->Has(flag)) continue;
    if (auto st = apiserver::WriteKubeconfig(flags->Get(flag), s.url(), s.ca_pem(), user); !st.ok())
      return st;
  }
  std::cout << "sluice server: serving the Kubernetes API at " << s.url();
  if (!s.insecure_url().empty()) std::cout << " and " << s.insecure_url();
  std::cout << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cout << "sluice server: stopping" << std::endl;
  (*controllers)->Stop();
  (*server)->Stop();
  return absl::OkStatus();
}

}  // namespace sluice
