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
    "usage: sluice server --data-dir DIR [--listen ADDRESS:PORT] [--kubeconfig-out FILE]\n"
    "                     [--lb-pools FILE] [--service-cluster-ip-range CIDR[,CIDR]]\n"
    "                     [--service-node-port-range MIN-MAX]\n"
    "  Serves the Kubernetes API (namespaces, services, configmaps,\n"
    "  endpointslices) over plain HTTP, backed by a SQLite store in DIR.\n"
    "  --listen defaults to 127.0.0.1:6443; port 0 picks a free one. TLS and\n"
    "  authentication are not there yet, so listen on loopback only.\n"
    "  --kubeconfig-out writes a kubeconfig for kubectl once the server listens.\n"
    "  --lb-pools: LoadBalancer address pools (YAML or JSON, see\n"
    "  control/controllers/README.md); without it LoadBalancer Services stay pending.\n"
    "  --service-cluster-ip-range: one CIDR per family, the first one primary\n"
    "  (10.96.0.0/16,fd00:10:96::/112); --service-node-port-range: 30000-32767.";

namespace {

absl::Status ParseListen(const std::string& text, std::string* address, uint16_t* port) {
  size_t colon = text.rfind(':');
  uint32_t value = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), &value) ||
      value > 65535)
    return absl::InvalidArgumentError(absl::StrCat("--listen: expected ADDRESS:PORT, got ", text));
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
  auto flags = ParseFlags(args, {"--data-dir", "--listen", "--kubeconfig-out", "--lb-pools",
                                 "--service-cluster-ip-range", "--service-node-port-range"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kServerUsage));
  if (!flags->Has("--data-dir"))
    return absl::InvalidArgumentError(absl::StrCat("--data-dir is required\n", kServerUsage));
  apiserver::ApiServerOptions options{.data_dir = flags->Get("--data-dir")};
  if (auto s = ParseListen(flags->Get("--listen", "127.0.0.1:6443"), &options.listen_address,
                           &options.port);
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

  // Block the signals before any thread starts, so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = apiserver::ApiServer::Start(options);
  if (!server.ok()) return server.status();
  auto controllers = controllers::ControllerManager::Start(
      (*server)->store(), {.lb_pools_file = flags->Get("--lb-pools")});
  if (!controllers.ok()) return controllers.status();
  if (flags->Has("--kubeconfig-out")) {
    if (auto s = apiserver::WriteKubeconfig(flags->Get("--kubeconfig-out"), (*server)->url());
        !s.ok())
      return s;
  }
  std::cout << "sluice server: serving the Kubernetes API at " << (*server)->url() << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cout << "sluice server: stopping" << std::endl;
  (*controllers)->Stop();
  (*server)->Stop();
  return absl::OkStatus();
}

}  // namespace sluice
