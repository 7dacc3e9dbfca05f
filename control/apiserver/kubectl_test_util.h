// The harness of the kubectl end-to-end tests (control/apiserver,
// control/controllers, tools/sluice): `sluice server` on a free loopback port
// with a fresh data directory and the admin and node kubeconfigs it writes
// (HTTPS, its CA and a bearer token embedded); every kubectl (and curl) run is
// bounded by timeout(1), and its exit code and output are both checked.
#ifndef SLUICE_CONTROL_APISERVER_KUBECTL_TEST_UTIL_H_
#define SLUICE_CONTROL_APISERVER_KUBECTL_TEST_UTIL_H_

#include <sys/types.h>

#include <string>

#include "gtest/gtest.h"

namespace sluice::apiserver {

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
// Starts `sh -c command` in its own process group, output to `log`.
pid_t Spawn(const std::string& command, const std::string& log);
// Waits up to `seconds` for `pid`; kills its group if it is still running.
int Reap(pid_t pid, int seconds);
// Runs `command` (bounded by timeout(1)) with its output in `dir`/run.out.
Result RunBounded(const std::string& dir, const std::string& command);

// `sluice server` ($SLUICE_BINARY) with its data in `dir`/data, writing
// `dir`/kubeconfig and `dir`/node-kubeconfig, with `extra_args`; returns its
// pid once both are there (-1 and a test failure if not).
pid_t StartServer(const std::string& dir, const std::string& extra_args = "");
// "https://127.0.0.1:PORT" from a kubeconfig.
std::string ServerUrl(const std::string& kubeconfig);

// One server per test suite. A suite that needs server flags defines its own
// SetUpTestSuite: MakeSuiteDir(), File() what the flags name, then
// StartSuiteServer(flags).
class KubectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // A fresh directory, with HOME (kubectl caches discovery there; a fresh one
  // keeps runs from seeing another server's documents) and KUBECONFIG in it.
  static void MakeSuiteDir();
  static void StartSuiteServer(const std::string& extra_args = "");

  // `kubectl args` with the suite's (admin) kubeconfig.
  static Result Kubectl(const std::string& args);
  // Runs `kubectl args` until its output matches `regex` (gtest's regular
  // expressions) or 10 s passed; returns the last run.
  static Result KubectlUntil(const std::string& args, const std::string& regex);
  // Writes `text` to `name` in the suite's directory; returns its path.
  static std::string File(const std::string& name, const std::string& text);
  // Arguments that make kubectl use the node's (read-only) kubeconfig.
  static std::string NodeKubeconfig() { return " --kubeconfig " + *dir_ + "/node-kubeconfig "; }
  static std::string Url() { return ServerUrl(*dir_ + "/kubeconfig"); }
  static std::string Ca() { return *dir_ + "/data/tls/ca.crt"; }

  static inline std::string* dir_ = nullptr;
  static inline pid_t server_ = -1;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_KUBECTL_TEST_UTIL_H_
