#include "tests/integration/testserver.h"

#include <yaml-cpp/yaml.h>

#include <functional>

#include "absl/strings/str_cat.h"

namespace sluice::netns {
namespace {

// The client exits 1 when something it measured failed; its report says what.
// Anything else (no report, usage errors) is an error here.
// Runs a command to completion somewhere: in a Topology's namespace, or in
// the caller's own.
using Runner = std::function<absl::StatusOr<CommandResult>(const std::vector<std::string>&,
                                                           const RunOptions&)>;

Runner InTopology(const Topology& topo, absl::string_view ns) {
  return [&topo, ns = std::string(ns)](const std::vector<std::string>& argv,
                                       const RunOptions& options) {
    return topo.RunIn(ns, argv, options);
  };
}

absl::StatusOr<YAML::Node> RunClient(const Runner& run, std::vector<std::string> args,
                                     Millis timeout, const std::string& cgroup = "") {
  args.insert(args.begin(), {TestServerPath(), "client"});
  if (!cgroup.empty()) {
    // Join the cgroup first, so that its socket programs see the client.
    args.insert(args.begin(), {"sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", cgroup});
  }
  absl::StatusOr<CommandResult> r = run(args, {.timeout = timeout});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0 && r->exit_code != 1) {
    return absl::InternalError(absl::StrCat("client exited ", r->exit_code, ": ", r->err));
  }
  try {
    // JSON is YAML: the repository's YAML parser reads the report.
    YAML::Node report = YAML::Load(r->out);
    if (!report.IsMap()) throw YAML::Exception(YAML::Mark(), "not an object");
    return report;
  } catch (const YAML::Exception& e) {
    return absl::InternalError(absl::StrCat("client report \"", r->out, "\": ", e.what()));
  }
}

std::map<std::string, int64_t> Counts(const YAML::Node& n) {
  std::map<std::string, int64_t> out;
  for (const auto& kv : n) out[kv.first.as<std::string>()] = kv.second.as<int64_t>();
  return out;
}

std::vector<std::string> Strings(const YAML::Node& n) {
  std::vector<std::string> out;
  for (const auto& s : n) out.push_back(s.as<std::string>());
  return out;
}

template <typename T>
absl::StatusOr<T> Convert(const YAML::Node& report, T (*fn)(const YAML::Node&)) {
  try {
    return fn(report);
  } catch (const YAML::Exception& e) {
    return absl::InternalError(absl::StrCat("client report: ", e.what()));
  }
}

NamesReport ToNames(const YAML::Node& n) {
  return NamesReport{.count = n["count"].as<int64_t>(),
                     .ok = n["ok"].as<int64_t>(),
                     .names = Strings(n["names"]),
                     .counts = Counts(n["counts"]),
                     .errors = Counts(n["errors"]),
                     .peers = Strings(n["peers"])};
}

TcpStreamReport ToTcp(const YAML::Node& n) {
  return TcpStreamReport{.name = n["name"].as<std::string>(),
                         .error = n["error"].as<std::string>(),
                         .sent = n["sent"].as<int64_t>(),
                         .received = n["received"].as<int64_t>(),
                         .mismatched = n["mismatched"].as<int64_t>(),
                         .max_gap_ms = n["max_gap_ms"].as<double>(),
                         .duration_ms = n["duration_ms"].as<double>()};
}

UdpStreamReport ToUdp(const YAML::Node& n) {
  return UdpStreamReport{.sent = n["sent"].as<int64_t>(),
                         .received = n["received"].as<int64_t>(),
                         .lost = n["lost"].as<int64_t>(),
                         .duplicates = n["duplicates"].as<int64_t>(),
                         .refused = n["refused"].as<int64_t>(),
                         .switches = n["switches"].as<int64_t>(),
                         .names = Counts(n["names"]),
                         .first = n["first"].as<std::string>(),
                         .last = n["last"].as<std::string>(),
                         .max_gap_ms = n["max_gap_ms"].as<double>()};
}

}  // namespace

std::string TestServerPath() {
  return TESTSERVER_PATH;
}

std::vector<std::string> TestServerCommand(absl::string_view name, int port) {
  return {TestServerPath(),   "serve",      "--name", std::string(name), "--port",
          absl::StrCat(port), "--ready-fd", "3"};
}

absl::StatusOr<pid_t> StartTestServer(Topology& topo, absl::string_view ns, absl::string_view name,
                                      int port) {
  return topo.Spawn(ns, TestServerCommand(name, port), {.wait_ready = true});
}

namespace {

absl::StatusOr<NamesReport> QueryNamesWith(const Runner& run, absl::string_view addr, int port,
                                           const NamesQuery& query) {
  std::vector<std::string> args = {"names",
                                   "--addr",
                                   std::string(addr),
                                   "--port",
                                   absl::StrCat(port),
                                   "--proto",
                                   query.proto == Proto::kTcp ? "tcp" : "udp",
                                   "--count",
                                   absl::StrCat(query.count),
                                   "--timeout-ms",
                                   absl::StrCat(query.timeout_each.count())};
  if (query.peer) args.push_back("--peer");
  // Every attempt is bounded by timeout_each; the margin covers the start.
  auto report = RunClient(run, args, query.timeout_each * query.count + Millis(5000), query.cgroup);
  if (!report.ok()) return report.status();
  return Convert(*report, &ToNames);
}

}  // namespace

absl::StatusOr<NamesReport> QueryNames(const Topology& topo, absl::string_view ns,
                                       absl::string_view addr, int port, const NamesQuery& query) {
  return QueryNamesWith(InTopology(topo, ns), addr, port, query);
}

absl::StatusOr<NamesReport> QueryNamesFromHost(absl::string_view addr, int port,
                                               const NamesQuery& query) {
  return QueryNamesWith(&RunCommand, addr, port, query);
}

absl::StatusOr<TcpStreamReport> RunTcpStream(const Topology& topo, absl::string_view ns,
                                             absl::string_view addr, int port, Millis duration,
                                             int64_t rate) {
  auto report = RunClient(
      InTopology(topo, ns),
      {"tcp-stream", "--addr", std::string(addr), "--port", absl::StrCat(port), "--duration-ms",
       absl::StrCat(duration.count()), "--rate", absl::StrCat(rate), "--timeout-ms", "2000"},
      duration + Millis(10000));
  if (!report.ok()) return report.status();
  return Convert(*report, &ToTcp);
}

absl::StatusOr<UdpStreamReport> RunUdpStream(const Topology& topo, absl::string_view ns,
                                             absl::string_view addr, int port, Millis duration,
                                             int pps) {
  auto report = RunClient(
      InTopology(topo, ns),
      {"udp-stream", "--addr", std::string(addr), "--port", absl::StrCat(port), "--duration-ms",
       absl::StrCat(duration.count()), "--pps", absl::StrCat(pps), "--timeout-ms", "1000"},
      duration + Millis(10000));
  if (!report.ok()) return report.status();
  return Convert(*report, &ToUdp);
}

}  // namespace sluice::netns
