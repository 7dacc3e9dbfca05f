// Child processes for the end-to-end tests that run `sluice server` and the
// real kubectl: each in its own process group, with its output in a file,
// and bounded in time.
#ifndef SLUICE_CONTROL_APISERVER_PROCESS_TEST_UTIL_H_
#define SLUICE_CONTROL_APISERVER_PROCESS_TEST_UTIL_H_

#include <sys/types.h>

#include <string>

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

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PROCESS_TEST_UTIL_H_
