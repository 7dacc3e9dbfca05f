// sluice-testserver: the backends and clients of the integration tests.
#include <iostream>
#include <string>
#include <vector>

#include "tools/nameserver/client.h"
#include "tools/nameserver/server.h"

namespace {

constexpr char kHelp[] =
    "sluice-testserver: answers with its name, for load-balancer tests\n"
    "\n"
    "  sluice-testserver serve ...         a backend (TCP and UDP)\n"
    "  sluice-testserver client MODE ...   drive backends, report JSON\n"
    "\n"
    "run 'sluice-testserver serve --help' or 'sluice-testserver client --help'\n";

bool WantsHelp(const std::vector<std::string>& args) {
  return !args.empty() && (args[0] == "--help" || args[0] == "-h");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || WantsHelp(args)) {
    std::cout << kHelp;
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "serve") {
    if (WantsHelp(args)) {
      std::cout << sluice::testserver::kServeUsage << "\n";
      return 0;
    }
    absl::Status s = sluice::testserver::RunServe(args);
    std::cerr << "sluice-testserver serve: " << s.message() << "\n"
              << sluice::testserver::kServeUsage << "\n";
    return 2;
  }
  if (cmd == "client") {
    if (WantsHelp(args)) {
      std::cout << sluice::testserver::kClientUsage << "\n";
      return 0;
    }
    absl::StatusOr<int> code = sluice::testserver::RunClient(args, std::cout);
    if (!code.ok()) {
      std::cerr << "sluice-testserver client: " << code.status().message() << "\n"
                << sluice::testserver::kClientUsage << "\n";
      return 2;
    }
    return *code;
  }
  std::cerr << "sluice-testserver: unknown command \"" << cmd << "\"\n" << kHelp;
  return 2;
}
