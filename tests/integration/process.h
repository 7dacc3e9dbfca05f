// Processes inside named network namespaces (/run/netns/NAME): run a command
// to completion with a deadline, start one in the background, find and kill
// whatever still lives in a namespace. The building blocks of Topology
// (netns.h); usable alone.
//
// Commands enter the namespace with setns(CLONE_NEWNET) after fork, and
// nothing else: unlike `ip netns exec` they keep the host's /sys mounts, so
// bpffs (/sys/fs/bpf) and cgroupfs stay reachable for the agent. The price:
// /sys/class/net shows the host's interfaces, so ask netlink (`ip`) for the
// namespace's own.
#ifndef SLUICE_TESTS_INTEGRATION_PROCESS_H_
#define SLUICE_TESTS_INTEGRATION_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice::netns {

using Millis = std::chrono::milliseconds;

struct CommandResult {
  int exit_code = 0;  // 128 + signal number when killed by a signal, as a shell says
  std::string out;
  std::string err;
};

struct RunOptions {
  // The child's whole process group is killed when it runs longer, so a
  // broken network can never hang a test.
  Millis timeout{10000};
  std::string input{};  // written to the child's stdin, then closed
};

struct SpawnOptions {
  // When set, the child gets the write end of a pipe as fd 3 and Spawn returns
  // only once the child wrote a byte to it (e.g. `sluice-testserver serve
  // --ready-fd 3`), failing when the child exits first or `ready_timeout`
  // passes. Ready means listening, so tests never race a server's bind().
  bool wait_ready = false;
  Millis ready_timeout{5000};
};

// The path of a named namespace.
std::string NamespacePath(absl::string_view ns);

// Runs argv[0] (looked up in PATH, then the sbin directories) inside namespace `ns` and collects
// its output. A non-zero exit is a result, not an error; errors are: the namespace or the program
// cannot be entered, or the deadline passed.
absl::StatusOr<CommandResult> RunInNamespace(absl::string_view ns,
                                             const std::vector<std::string>& argv,
                                             const RunOptions& options = {});

// Runs argv in the caller's own namespaces: for `ip netns add`, which must
// run in the host. Same rules as RunInNamespace otherwise.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const RunOptions& options = {});

// Starts argv inside `ns` in its own process group, stdout and stderr going to
// ours (the test's log). It dies with the calling thread (PR_SET_PDEATHSIG),
// so a crashed test leaves no servers behind. Returns its pid.
absl::StatusOr<pid_t> SpawnInNamespace(absl::string_view ns, const std::vector<std::string>& argv,
                                       const SpawnOptions& options = {});

// SpawnInNamespace in the caller's own namespaces: for `sluice up`, which
// makes its namespaces itself.
absl::StatusOr<pid_t> SpawnCommand(const std::vector<std::string>& argv,
                                   const SpawnOptions& options = {});

// Waits for a child of ours to exit, up to `timeout`; returns its raw wait
// status (see WIFEXITED and friends). DeadlineExceeded if it still runs.
absl::StatusOr<int> WaitChild(pid_t pid, Millis timeout);

// Writes sysctls of namespace `ns` (paths under /proc/sys/, e.g.
// "net/ipv4/ip_forward"). /proc/sys/net shows the namespace of the process
// that opens it, so a child entering `ns` writes that namespace's values and
// never the host's.
absl::Status WriteSysctlsIn(absl::string_view ns,
                            const std::vector<std::pair<std::string, std::string>>& values);

// Pids of every process whose network namespace is `ns`.
std::vector<pid_t> PidsInNamespace(absl::string_view ns);

// SIGKILLs every process in `ns` and waits (bounded) until none is left, so
// that deleting the namespace really frees it and its interfaces.
absl::Status KillAllInNamespace(absl::string_view ns, Millis timeout = Millis(3000));

// Names under /run/netns.
std::vector<std::string> ListNamespaces();

// Unmounts and removes /run/netns/NAME, as `ip netns del` does. The kernel
// destroys the namespace, and with it its veths, once no process and no open
// file holds it.
absl::Status DeleteNamespace(absl::string_view ns);

}  // namespace sluice::netns

#endif  // SLUICE_TESTS_INTEGRATION_PROCESS_H_
