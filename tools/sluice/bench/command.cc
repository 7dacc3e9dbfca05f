#include "tools/sluice/bench/command.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/sluice/bench/interrupt.h"

namespace sluice::bench {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string ReadAll(int fd) {
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

std::string NetnsPath(const std::string& ns) {
  return "/run/netns/" + ns;
}

absl::StatusOr<std::string> Run(const std::string& ns, const std::vector<std::string>& argv,
                                const std::string& input) {
  // Memory files rather than pipes: nothing to pump, no deadlock on big
  // rule sets.
  int in = memfd_create("bench-in", MFD_CLOEXEC);
  int out = memfd_create("bench-out", MFD_CLOEXEC);
  int err = memfd_create("bench-err", MFD_CLOEXEC);
  if (in < 0 || out < 0 || err < 0) return Errno("memfd_create");
  if (write(in, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    return Errno("writing a command's input");
  }
  lseek(in, 0, SEEK_SET);
  int nsfd = -1;
  if (!ns.empty()) {
    nsfd = open(NetnsPath(ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return Errno("opening namespace " + ns);
  }
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  // Ctrl-C ends a long rule load at once: the child goes, the run unwinds.
  bool killed = false;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    if (Interrupted() && !killed) {
      kill(pid, SIGTERM);
      killed = true;
    }
  }
  std::string o = ReadAll(out), e = ReadAll(err);
  for (int fd : {in, out, err, nsfd}) {
    if (fd >= 0) close(fd);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return absl::InternalError(absl::StrCat(absl::StrJoin(argv, " "),
                                            ns.empty() ? "" : " (in " + ns + ")", " exited ", code,
                                            code == 127 ? " (not found)" : "", ": ", e));
  }
  return o;
}

absl::Status InNetns(const std::string& ns, const std::function<absl::Status()>& fn) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return Errno("opening our namespace");
  int target = open(NetnsPath(ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    close(self);
    return Errno("opening namespace " + ns);
  }
  absl::Status s;
  if (setns(target, CLONE_NEWNET) != 0) {
    s = Errno("entering namespace " + ns);
  } else {
    s = fn();
    if (setns(self, CLONE_NEWNET) != 0) s = Errno("leaving namespace " + ns);
  }
  close(self);
  close(target);
  return s;
}

}  // namespace sluice::bench
