// sluicectl: inspect a running node's datapath from its pinned maps.
#include <unistd.h>

#include <cctype>
#include <iostream>
#include <string>
#include <vector>

#include "tools/sluice/flags.h"
#include "tools/sluicectl/views.h"

namespace {

constexpr char kUsage[] =
    "usage: sluicectl [--node-name NAME] [--pin-root DIR] [-o table|json] COMMAND\n"
    "commands:\n"
    "  services                          services, their algorithm, tables and frontends\n"
    "  backends [--service NAME]         backends with their state\n"
    "  maglev SERVICE                    how the lookup table spreads over backends\n"
    "  conntrack [--service NAME] [--address IP]   tracked flows\n"
    "  counters                          verdicts and drop reasons\n"
    "  status                            programs (links) and maps\n";

std::string Hostname() {
  char h[256] = {0};
  gethostname(h, sizeof(h) - 1);
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (auto& a : args)
    if (a == "-o") a = "--output";
  auto flags =
      sluice::ParseFlags(args, {"--node-name", "--pin-root", "--output", "--service", "--address"});
  if (!flags.ok() || flags->positional.empty()) {
    std::cerr << (flags.ok() ? "" : std::string(flags.status().message()) + "\n") << kUsage;
    return 2;
  }
  std::string cmd = flags->positional[0];
  if (cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::string dir =
      flags->Get("--pin-root", "/sys/fs/bpf/sluice") + "/" + flags->Get("--node-name", Hostname());
  auto maps = sluice::PinnedMaps::Open(dir);
  if (!maps.ok()) {
    std::cerr << "sluicectl: " << maps.status().message() << "\n";
    return 1;
  }
  const sluice::MapFds& fds = maps->fds();
  absl::StatusOr<sluice::ctl::json> view = absl::InvalidArgumentError("unknown command " + cmd);
  if (cmd == "services") view = sluice::ctl::ServicesView(fds);
  if (cmd == "backends") view = sluice::ctl::BackendsView(fds, flags->Get("--service"));
  if (cmd == "maglev") {
    if (flags->positional.size() < 2)
      view = absl::InvalidArgumentError("maglev needs a SERVICE");
    else
      view = sluice::ctl::MaglevView(fds, flags->positional[1]);
  }
  if (cmd == "conntrack")
    view = sluice::ctl::ConntrackView(fds, flags->Get("--service"), flags->Get("--address"));
  if (cmd == "counters") view = sluice::ctl::CountersView(fds);
  if (cmd == "status") view = sluice::ctl::StatusView(dir, fds);
  if (!view.ok()) {
    std::cerr << "sluicectl: " << view.status().message() << "\n" << kUsage;
    return 1;
  }
  std::string output = flags->Get("--output", "table");
  if (output == "json") {
    // For scripts: one object per row, keyed by the lower-case column names.
    sluice::ctl::json items = sluice::ctl::json::array();
    for (const auto& row : (*view)["rows"]) {
      sluice::ctl::json item;
      for (size_t i = 0; i < row.size(); ++i) {
        std::string key = (*view)["columns"][i].get<std::string>();
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        item[key] = row[i];
      }
      items.push_back(item);
    }
    std::cout << items.dump(2) << "\n";
  } else
    std::cout << sluice::ctl::RenderTable(*view);
  return 0;
}
