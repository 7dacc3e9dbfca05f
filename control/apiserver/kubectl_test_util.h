// The harness of the kubectl end-to-end tests: `sluice server` on a free
// loopback port with a fresh data directory and a generated kubeconfig, one
// per test suite; every kubectl run is bounded by timeout(1), and its exit
// code and output are both checked.
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
// Starts `sh -c command` in its own process group, output to `log`.
pid_t Spawn(const std::string& command, const std::string& log);
// Waits up to `seconds` for `pid`; kills its group if it is still running.
int Reap(pid_t pid, int seconds);

class KubectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // `kubectl args` with the suite's kubeconfig.
  static Result Kubectl(const std::string& args);
  // Writes `text` to `name` in the suite's directory; returns its path.
  static std::string File(const std::string& name, const std::string& text);

  static inline std::string* dir_ = nullptr;
  static inline pid_t server_ = -1;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_KUBECTL_TEST_UTIL_H_
