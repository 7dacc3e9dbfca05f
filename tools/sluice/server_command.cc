#include "tools/sluice/server_command.h"

#include <signal.h>

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"
#include "tools/sluice/flags.h"

namespace sluice {

const char kServerUsage[] =
    "usage: sluice server --data-dir DIR [--listen ADDRESS:PORT] [--kubeconfig-out FILE]\n"
    "         [--node-kubeconfig-out FILE] [--advertise-address IP] [--tls-san NAME,...]\n"
    "         [--insecure-listen ADDRESS:PORT]\n"
    "  Serves the Kubernetes API (namespaces, services, configmaps, endpointslices,\n"
    "  selfsubjectaccessreviews) over HTTPS, backed by a SQLite store in DIR.\n"
    "  The first start makes in DIR a CA, a serving certificate signed by it (for\n"
    "  the listen address, loopback, localhost, kubernetes[.default[.svc[.cluster.local]]],\n"
    "  10.96.0.1, the advertise address and every --tls-san) and two bearer tokens:\n"
    "  an admin token and a read-only node token for agents. Later starts reuse\n"
    "  them. Requests without a known token get 401 (/healthz, /livez, /readyz\n"
    "  and /version excepted); the node token may only get, list and watch.\n"
    "  --listen defaults to 127.0.0.1:6443; port 0 picks a free one.\n"
    "  --kubeconfig-out writes an admin kubeconfig (CA and token embedded) and\n"
    "  --node-kubeconfig-out a node one, once the server listens.\n"
    "  --advertise-address is where other machines reach the server: the\n"
    "  endpoint of the default/kubernetes Service (default: the listen address).\n"
    "  --insecure-listen adds plain HTTP on a loopback address (same tokens).\n"
    "  /metrics has the request counts and durations in Prometheus' format.";

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

}  // namespace

absl::Status RunServerCommand(const std::vector<std::string>& args) {
  auto flags =
      ParseFlags(args, {"--data-dir", "--listen", "--kubeconfig-out", "--node-kubeconfig-out",
                        "--advertise-address", "--tls-san", "--insecure-listen"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kServerUsage));
  if (!flags->Has("--data-dir"))
    return absl::InvalidArgumentError(absl::StrCat("--data-dir is required\n", kServerUsage));
  apiserver::ApiServerOptions options{.data_dir = flags->Get("--data-dir"),
                                      .advertise_address = flags->Get("--advertise-address"),
                                      .extra_sans = flags->List("--tls-san")};
  if (auto s = ParseListen("--listen", flags->Get("--listen", "127.0.0.1:6443"),
                           &options.listen_address, &options.port);
      !s.ok())
    return s;
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
  (*server)->Stop();
  return absl::OkStatus();
}

}  // namespace sluice
