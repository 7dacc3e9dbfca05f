#include "tools/sluice/server_command.h"

#include <signal.h>

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"
#include "tools/sluice/flags.h"

namespace sluice {

const char kServerUsage[] =
    "usage: sluice server (--data-dir DIR | --store etcd://HOST:PORT[,HOST:PORT])\n"
    "                     [--listen ADDRESS:PORT] [--kubeconfig-out FILE]\n"
    "  Serves the Kubernetes API (namespaces, services, configmaps,\n"
    "  endpointslices) over plain HTTP, backed by a SQLite store in DIR, or by\n"
    "  an etcd cluster that several servers can share (--store).\n"
    "  --listen defaults to 127.0.0.1:6443; port 0 picks a free one. TLS and\n"
    "  authentication are not there yet, so listen on loopback only.\n"
    "  --kubeconfig-out writes a kubeconfig for kubectl once the server listens.";

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

}  // namespace

absl::Status RunServerCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"--data-dir", "--store", "--listen", "--kubeconfig-out"});
  if (!flags.ok())
    return absl::InvalidArgumentError(absl::StrCat(flags.status().message(), "\n", kServerUsage));
  if (flags->Has("--data-dir") == flags->Has("--store"))
    return absl::InvalidArgumentError(
        absl::StrCat("give one of --data-dir and --store\n", kServerUsage));
  apiserver::ApiServerOptions options{.data_dir = flags->Get("--data-dir"),
                                      .store = flags->Get("--store")};
  if (auto s = ParseListen(flags->Get("--listen", "127.0.0.1:6443"), &options.listen_address,
                           &options.port);
      !s.ok())
    return s;

  // Block the signals before any thread starts, so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = apiserver::ApiServer::Start(options);
  if (!server.ok()) return server.status();
  if (flags->Has("--kubeconfig-out")) {
    if (auto s = apiserver::WriteKubeconfig(flags->Get("--kubeconfig-out"), (*server)->url());
        !s.ok())
      return s;
  }
  std::cout << "sluice server: serving the Kubernetes API at " << (*server)->url() << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cout << "sluice server: stopping" << std::endl;
  (*server)->Stop();
  return absl::OkStatus();
}

}  // namespace sluice
