// Packet fixtures: data files of {objects, packets in, expected verdict and
// packets out}, run through any engine. The reference engine runs them here;
// the BPF and DPDK engines run the same files and must match byte for byte.
//
// A fixture file (tests/fixtures/*.yaml):
//   node: {name: node-a, addresses: [192.168.1.10, "fd00::10"]}
//   objects: |            Kubernetes Services and EndpointSlices (YAML)
//   cases:
//     - name: a sentence saying what users rely on
//       steps:
//         - in: <packet spec, see packet_builder.h>
//           hook: external | local        (default external)
//           verdict: forward | pass | reject | drop
//           reason: <drop reason name, e.g. malformed_l4>
//           out: <packet spec>            (forward/reject; pass means unchanged)
//         - advance_seconds: 61           (engine time moves on)
//         - objects: |                    (reprogram with these objects)
// Every case starts from a fresh engine programmed with the file's objects.
#ifndef SLUICE_TESTS_PACKET_FIXTURE_H_
#define SLUICE_TESTS_PACKET_FIXTURE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/engine.h"
#include "dataplane/service_table.h"

namespace sluice::testing {

struct FixtureStep {
  // Exactly one of: a packet, a time advance, new objects.
  std::optional<std::vector<uint8_t>> in;
  lb_hook hook = LB_HOOK_EXTERNAL;
  lb_verdict verdict = LB_VERDICT_PASS;
  std::optional<lb_drop_reason> reason;
  std::optional<std::vector<uint8_t>> out;
  uint64_t advance_ns = 0;
  std::optional<std::string> objects;
};

struct FixtureCase {
  std::string file;
  std::string name;
  std::vector<FixtureStep> steps;
};

struct Fixture {
  std::string path;
  std::string node_name;
  std::vector<IpAddress> node_addresses;
  std::string objects;
  std::vector<FixtureCase> cases;
};

absl::StatusOr<Fixture> LoadFixture(const std::string& path);
// Every *.yaml of a folder, sorted by name.
absl::StatusOr<std::vector<Fixture>> LoadFixtureDir(const std::string& dir);

// What a case needs of an engine.
class FixtureEngine {
 public:
  virtual ~FixtureEngine() = default;
  virtual Engine* engine() = 0;
  virtual lb_result Process(std::vector<uint8_t>& packet, lb_hook hook) = 0;
  virtual void AdvanceTime(uint64_t ns) = 0;
  // Whether a frame can reach the engine at all. XDP never sees a frame
  // shorter than an Ethernet header (the kernel drops it first); for such a
  // step the runner checks that the fixture expects a drop instead.
  virtual bool CanReceive(const std::vector<uint8_t>& frame) const {
    (void)frame;
    return true;
  }
};
using FixtureEngineFactory = std::function<std::unique_ptr<FixtureEngine>()>;

// Runs one case on a fresh engine; the error says which step differed and how.
absl::Status RunFixtureCase(const Fixture& fixture, const FixtureCase& c,
                            const FixtureEngineFactory& factory);

// For parameterized GoogleTest suites over every case of a fixture folder
// (FIXTURE_DIR, or the environment variable of that name).
struct FixtureParam {
  const Fixture* fixture;
  const FixtureCase* c;
};
void PrintTo(const FixtureParam& p, std::ostream* os);
std::vector<FixtureParam> AllFixtureCases(const std::string& default_dir);
std::string FixtureCaseName(const FixtureParam& p, size_t index);

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_PACKET_FIXTURE_H_
