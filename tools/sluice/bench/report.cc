#include "tools/sluice/bench/report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "tools/sluice/bench/command.h"

namespace sluice::bench {
namespace {

double Mpps(const RunResult& r) {
  return r.seconds > 0 ? static_cast<double>(r.delivered) / r.seconds / 1e6 : 0;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<double> MppsOf(const Cell& c) {
  std::vector<double> v;
  for (const auto& r : c.runs) v.push_back(Mpps(r));
  return v;
}

std::string Seconds(double s) {
  if (s < 0) return "-";
  if (s < 1) return absl::StrFormat("%.1f ms", s * 1e3);
  return absl::StrFormat("%.2f s", s);
}

}  // namespace

Machine DescribeMachine() {
  Machine m;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (absl::StartsWith(line, "model name")) {
      m.cpu = std::string(absl::StripLeadingAsciiWhitespace(line.substr(line.find(':') + 1)));
      break;
    }
  }
  m.cores = std::thread::hardware_concurrency();
  utsname u{};
  if (uname(&u) == 0) m.kernel = u.release;
  if (auto v = Run("", {"iptables", "-V"}); v.ok()) {
    m.iptables = std::string(absl::StripTrailingAsciiWhitespace(*v));
  }
  return m;
}

double Cell::MedianMpps() const {
  return Median(MppsOf(*this));
}
double Cell::MinMpps() const {
  auto v = MppsOf(*this);
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double Cell::MaxMpps() const {
  auto v = MppsOf(*this);
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}
double Cell::MedianNsPerPacket() const {
  double mpps = MedianMpps();
  return mpps > 0 ? 1e3 / mpps : 0;
}

const Cell* FloorOf(const std::vector<Cell>& cells, const Cell& cell) {
  for (const auto& c : cells) {
    if (c.contender == "floor" && c.services == cell.services && c.pattern == cell.pattern)
      return &c;
  }
  return nullptr;
}

std::string TextReport(const Machine& m, const Settings& s, const std::vector<Cell>& cells) {
  const bool live = s.generator == "live";
  std::string out = absl::StrFormat(
      "machine: %s, %u cores, kernel %s, %s\n"
      "%u-byte UDP frames, %s generator on one core, median of %u runs "
      "(Mpps = delivered at the sink / %s; spread = min..max)\n",
      m.cpu, m.cores, m.kernel, m.iptables, s.size,
      live ? "live-frames" : "packet (AF_PACKET TX ring in the client namespace)", s.runs,
      live ? "wall time less each test run's fixed cost"
           : "wall time of the sends, the generator's own cost included");
  absl::StrAppendFormat(&out, "%-9s %9s %-11s %8s %17s %10s %8s %10s %10s\n", "contender",
                        "services", "pattern", "Mpps", "spread", "ns/pkt", "x floor", "load",
                        "1 ep change");
  for (const auto& c : cells) {
    const Cell* floor = FloorOf(cells, c);
    std::string ratio = "-";
    if (floor && floor->MedianMpps() > 0) {
      ratio = absl::StrFormat("%.2f", c.MedianMpps() / floor->MedianMpps());
    }
    absl::StrAppendFormat(
        &out, "%-9s %9u %-11s %8.3f %17s %10.0f %8s %10s %10s\n", c.contender, c.services,
        c.pattern, c.MedianMpps(), absl::StrFormat("%.3f..%.3f", c.MinMpps(), c.MaxMpps()),
        c.MedianNsPerPacket(), ratio, Seconds(c.load_seconds), Seconds(c.endpoint_change_seconds));
  }
  return out;
}

std::string JsonReport(const Machine& m, const Settings& s, const std::vector<Cell>& cells) {
  nlohmann::json j;
  j["machine"] = {
      {"cpu", m.cpu}, {"cores", m.cores}, {"kernel", m.kernel}, {"iptables", m.iptables}};
  j["settings"] = {{"generator", s.generator},
                   {"frame_bytes", s.size},
                   {"runs", s.runs},
                   {"packets_per_run", s.packets},
                   {"duration_ms_per_run", s.duration_ms}};
  j["cells"] = nlohmann::json::array();
  for (const auto& c : cells) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& r : c.runs) {
      runs.push_back({{"sent", r.sent},
                      {"delivered", r.delivered},
                      {"seconds", r.seconds},
                      {"calls", r.calls},
                      {"fixed_seconds_removed", r.fixed_seconds}});
    }
    const Cell* floor = FloorOf(cells, c);
    nlohmann::json cell = {{"contender", c.contender},
                           {"services", c.services},
                           {"pattern", c.pattern},
                           {"mpps_median", c.MedianMpps()},
                           {"mpps_min", c.MinMpps()},
                           {"mpps_max", c.MaxMpps()},
                           {"ns_per_packet_median", c.MedianNsPerPacket()},
                           {"load_seconds", c.load_seconds},
                           {"runs", runs}};
    cell["ratio_to_floor"] = floor && floor->MedianMpps() > 0
                                 ? nlohmann::json(c.MedianMpps() / floor->MedianMpps())
                                 : nlohmann::json(nullptr);
    cell["endpoint_change_seconds"] = c.endpoint_change_seconds >= 0
                                          ? nlohmann::json(c.endpoint_change_seconds)
                                          : nlohmann::json(nullptr);
    j["cells"].push_back(cell);
  }
  return j.dump(2) + "\n";
}

absl::Status Chart(const std::vector<Cell>& cells, const std::string& png) {
  std::set<std::string> patterns;
  std::vector<std::string> contenders;
  for (const auto& c : cells) {
    patterns.insert(c.pattern);
    if (std::find(contenders.begin(), contenders.end(), c.contender) == contenders.end()) {
      contenders.push_back(c.contender);
    }
  }
  char dir[] = "/tmp/sluice-bench-chart-XXXXXX";
  if (!mkdtemp(dir)) return absl::InternalError("mkdtemp for the chart");
  std::ostringstream script;
  script << "set terminal pngcairo size 1200,500\nset output '" << png << "'\n"
         << "set logscale xy\nset xlabel 'services'\nset ylabel 'Mpps (one core)'\n"
         << "set key outside right\nset grid\n"
         << "set multiplot layout 1," << patterns.size() << "\n";
  int file = 0;
  for (const auto& pattern : patterns) {
    script << "set title '" << pattern << " flows'\nplot ";
    bool first = true;
    for (const auto& contender : contenders) {
      std::string data = absl::StrCat(dir, "/", file++, ".dat");
      std::ofstream f(data);
      for (const auto& c : cells) {
        if (c.contender == contender && c.pattern == pattern) {
          f << c.services << " " << c.MedianMpps() << " " << c.MinMpps() << " " << c.MaxMpps()
            << "\n";
        }
      }
      script << (first ? "" : ", ") << "'" << data << "' using 1:2:3:4 with yerrorlines title '"
             << contender << "'";
      first = false;
    }
    script << "\n";
  }
  script << "unset multiplot\n";
  auto r = Run("", {"gnuplot"}, script.str());
  Run("", {"rm", "-rf", dir}).IgnoreError();
  return r.status();
}

}  // namespace sluice::bench
