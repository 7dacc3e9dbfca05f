// Child processes for the end-to-end tests that run `sluice server` and the
// real kubectl: each in its own process group, with its output in a file,
// and bounded in time. (control/apiserver/kubectl_e2e_test.cc has its own
// copies, which the API server branches in flight are changing; they can
// share this once those land.)
#ifndef SLUICE_CONTROL_CONTROLLERS_PROCESS_TEST_UTIL_H_
#define SLUICE_CONTROL_CONTROLLERS_PROCESS_TEST_UTIL_H_

#include <sys/types.h>

#include <string>

namespace sluice::controllers {

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

// `sluice server` ($SLUICE_BINARY) on a free loopback port with a fresh
// directory for its data, kubeconfig and kubectl's HOME (kubectl caches
// discovery there; a fresh one keeps runs from seeing another server's
// documents), and kubectl against it, each run bounded by timeout(1).
class SluiceServerProcess {
 public:
  // Makes the directory (File() may write into it before Start) and points
  // HOME and KUBECONFIG of this process into it.
  SluiceServerProcess();
  // Starts the server with `extra_args` and waits for its kubeconfig.
  // Returns what went wrong, or "".
  std::string Start(const std::string& extra_args = "");
  // SIGTERM, then the exit code (-1 if it had to be killed); removes the
  // directory.
  int Stop();

  Result Kubectl(const std::string& args) const;
  // Writes `text` to `name` in the directory; returns the path.
  std::string File(const std::string& name, const std::string& text) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_PROCESS_TEST_UTIL_H_
