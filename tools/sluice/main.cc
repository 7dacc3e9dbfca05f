// The `sluice` binary: one entry point, a subcommand each.
#include <iostream>
#include <string>
#include <vector>

#include "tools/sluice/agent_command.h"
#include "tools/sluice/bench/bench_command.h"
#include "tools/sluice/replay.h"
#include "tools/sluice/server_command.h"
#include "tools/sluice/up_command.h"

namespace {

constexpr char kHelp[] =
    "sluice: a Kubernetes service proxy and load-balancer dataplane\n"
    "\n"
    "commands:\n"
    "  replay   push a packet capture through the packet core programmed from\n"
    "           Kubernetes Services and EndpointSlices; write what it forwards\n"
    "  agent    program this node's BPF datapath from a file of those objects\n"
    "  cleanup  remove the datapath `sluice agent` left in place\n"
    "  server   serve the Kubernetes API from a local store (kubectl works)\n"
    "  up       run a cluster on this machine: server, controllers, nodes in\n"
    "           network namespaces with their agents; `down` removes a crashed one\n"
    "  bench    packet rates next to kube-proxy's iptables and nftables rules\n"
    "  version  print the version\n"
    "\n"
    "run 'sluice COMMAND --help' for a command's flags\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kHelp;
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "version") {
    std::cout << "sluice " << SLUICE_VERSION << "\n";
    return 0;
  }
  if (cmd == "replay") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << sluice::kReplayUsage << "\n";
      return 0;
    }
    auto s = sluice::RunReplayCommand(args, std::cout);
    if (!s.ok()) {
      std::cerr << "sluice replay: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (cmd == "agent" || cmd == "cleanup") {
    bool agent = cmd == "agent";
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << (agent ? sluice::kAgentUsage : sluice::kCleanupUsage) << "\n";
      return 0;
    }
    auto s = agent ? sluice::RunAgentCommand(args) : sluice::RunCleanupCommand(args);
    if (!s.ok()) {
      std::cerr << "sluice " << cmd << ": " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (cmd == "server") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << sluice::kServerUsage << "\n";
      return 0;
    }
    auto s = sluice::RunServerCommand(args);
    if (!s.ok()) {
      std::cerr << "sluice server: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (cmd == "up" || cmd == "down") {
    bool up = cmd == "up";
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << (up ? sluice::kUpUsage : sluice::kDownUsage) << "\n";
      return 0;
    }
    auto s = up ? sluice::RunUpCommand(args) : sluice::RunDownCommand(args);
    if (!s.ok()) {
      std::cerr << "sluice " << cmd << ": " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (cmd == "bench") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << sluice::kBenchUsage << "\n";
      return 0;
    }
    auto s = sluice::RunBenchCommand(args);
    if (!s.ok()) {
      std::cerr << "sluice bench: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  std::cerr << "sluice: unknown command \"" << cmd << "\"\n" << kHelp;
  return 2;
}
