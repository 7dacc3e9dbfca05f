// Drives sluice-testserver (tools/nameserver/) inside a Topology: starts
// named backends, runs the client modes and parses their JSON reports.
//
// The Run*/Query* helpers only call Topology::RunIn, which touches no state of
// the Topology: a test may run a stream on another thread (std::async) while
// it kills or restarts something on its own.
#ifndef SLUICE_TESTS_INTEGRATION_TESTSERVER_H_
#define SLUICE_TESTS_INTEGRATION_TESTSERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/integration/netns.h"

namespace sluice::netns {

inline constexpr int kTestPort = 8080;

// The built sluice-testserver binary.
std::string TestServerPath();

// The command line of `serve --name NAME --port PORT`, ready on fd 3 once it
// listens (SpawnOptions::wait_ready).
std::vector<std::string> TestServerCommand(absl::string_view name, int port = kTestPort);

// `serve --name NAME --port PORT` in `ns`; returns once it listens.
absl::StatusOr<pid_t> StartTestServer(Topology& topo, absl::string_view ns, absl::string_view name,
                                      int port = kTestPort);

enum class Proto { kTcp, kUdp };

struct NamesReport {
  int64_t count = 0, ok = 0;
  std::vector<std::string> names;  // per attempt; "" where it failed
  std::map<std::string, int64_t> counts;
  std::map<std::string, int64_t> errors;  // refused, timeout, unreachable, reset, other
  std::vector<std::string> peers;         // with `peer`: the client as each backend saw it
};

struct NamesQuery {
  Proto proto = Proto::kTcp;
  int count = 1;
  bool peer = false;
  Millis timeout_each{1000};
  std::string cgroup;  // a cgroup v2 directory to run the client in ("" = the caller's)
};

// `client names` from `ns` to addr:port: a new connection (or UDP socket) per
// attempt.
absl::StatusOr<NamesReport> QueryNames(const Topology& topo, absl::string_view ns,
                                       absl::string_view addr, int port,
                                       const NamesQuery& query = {});

// QueryNames from the caller's own namespace: the host, for the nodes of
// `sluice up`, which the host reaches over their veths.
absl::StatusOr<NamesReport> QueryNamesFromHost(absl::string_view addr, int port,
                                               const NamesQuery& query = {});

struct TcpStreamReport {
  std::string name, error;
  int64_t sent = 0, received = 0, mismatched = 0;
  double max_gap_ms = 0, duration_ms = 0;
};

// `client tcp-stream`: one connection echoing `rate` bytes a second for `duration`.
absl::StatusOr<TcpStreamReport> RunTcpStream(const Topology& topo, absl::string_view ns,
                                             absl::string_view addr, int port, Millis duration,
                                             int64_t rate = 1000000);

struct UdpStreamReport {
  int64_t sent = 0, received = 0, lost = 0, duplicates = 0, refused = 0, switches = 0;
  std::map<std::string, int64_t> names;
  std::string first, last;
  double max_gap_ms = 0;
};

// `client udp-stream`: one flow of `pps` numbered datagrams a second.
absl::StatusOr<UdpStreamReport> RunUdpStream(const Topology& topo, absl::string_view ns,
                                             absl::string_view addr, int port, Millis duration,
                                             int pps = 1000);

}  // namespace sluice::netns

#endif  // SLUICE_TESTS_INTEGRATION_TESTSERVER_H_
