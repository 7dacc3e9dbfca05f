// The results of `sluice bench`: one cell per contender x services x
// pattern, each the median of its runs with the spread, written as a text
// table, JSON, and a PNG chart drawn by gnuplot.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_REPORT_H_
#define SLUICE_TOOLS_SLUICE_BENCH_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/sluice/bench/traffic.h"

namespace sluice::bench {

struct Machine {
  std::string cpu;  // model name
  unsigned cores = 0;
  std::string kernel;
  std::string iptables;  // `iptables -V`: its backend (nf_tables or legacy) matters
};
Machine DescribeMachine();

struct Cell {
  std::string contender;
  uint32_t services = 0;
  std::string pattern;  // "new" or "established"
  std::vector<RunResult> runs;
  double load_seconds = 0;              // programming the services
  double endpoint_change_seconds = -1;  // one endpoint change; -1: not applicable

  double MedianMpps() const;
  double MinMpps() const;
  double MaxMpps() const;
  double MedianNsPerPacket() const;  // wall time / delivered; 0 when nothing was delivered
};

struct Settings {
  uint32_t size = 64;
  uint32_t runs = 3;
  uint64_t packets = 0;
  uint32_t duration_ms = 0;
  std::string generator;  // "live" or "packet" (GeneratorName)
};

// The floor's cell at the same services and pattern, or null.
const Cell* FloorOf(const std::vector<Cell>& cells, const Cell& cell);

std::string TextReport(const Machine& m, const Settings& s, const std::vector<Cell>& cells);
std::string JsonReport(const Machine& m, const Settings& s, const std::vector<Cell>& cells);
// Writes `png` with gnuplot: Mpps per contender against services, one panel
// per pattern.
absl::Status Chart(const std::vector<Cell>& cells, const std::string& png);

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_REPORT_H_
