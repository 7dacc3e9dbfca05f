#include "tests/integration/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sluice::netns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kNetnsDir[] = "/run/netns";

absl::Status Errno(absl::string_view what) {
  return absl::ErrnoToStatus(errno, what);
}

// Owns a file descriptor; -1 is empty.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Pipe {
  Fd read, write;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Errno("pipe2");
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

absl::StatusOr<Fd> OpenNamespace(absl::string_view ns) {
  if (ns.empty() || ns.find('/') != absl::string_view::npos || ns == "." || ns == "..") {
    return absl::InvalidArgumentError(absl::StrCat("bad namespace name \"", ns, "\""));
  }
  int fd = open(NamespacePath(ns).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Errno(absl::StrCat("open namespace ", ns));
  return Fd(fd);
}

// argv as execvp wants it; the strings stay owned by the caller's vector.
std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// What the child does between fork and exec. Only async-signal-safe calls:
// the parent may have threads. A failure is reported as (step, errno) on
// `status_fd`, whose close-on-exec end tells the parent that exec worked.
struct ChildPlan {
  const char* program;  // set by ForkExec
  int ns_fd;
  char* const* argv;
  int stdin_fd, stdout_fd, stderr_fd;  // -1: keep ours
  int ready_fd;                        // becomes fd 3 when >= 0
  int status_fd;
  bool die_with_parent;
  pid_t parent;
};

[[noreturn]] void ChildFail(int status_fd, int step) {
  int msg[2] = {step, errno};
  (void)!write(status_fd, msg, sizeof msg);
  _exit(127);
}

[[noreturn]] void RunChild(const ChildPlan& p) {
  setpgid(0, 0);  // our own group: a deadline kills grandchildren too
  if (p.die_with_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(p.status_fd, 0);
    if (getppid() != p.parent) _exit(127);  // the parent died before prctl
  }
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (p.ns_fd >= 0 && setns(p.ns_fd, CLONE_NEWNET) != 0) ChildFail(p.status_fd, 1);
  if (p.stdin_fd >= 0 && dup2(p.stdin_fd, 0) < 0) ChildFail(p.status_fd, 2);
  if (p.stdout_fd >= 0 && dup2(p.stdout_fd, 1) < 0) ChildFail(p.status_fd, 2);
  if (p.stderr_fd >= 0 && dup2(p.stderr_fd, 2) < 0) ChildFail(p.status_fd, 2);
  if (p.ready_fd >= 0) {
    if (p.ready_fd == 3) {
      if (fcntl(3, F_SETFD, 0) != 0) ChildFail(p.status_fd, 2);
    } else if (dup2(p.ready_fd, 3) < 0) {
      ChildFail(p.status_fd, 2);
    }
  }
  execv(p.program, p.argv);
  ChildFail(p.status_fd, 3);
}

// The program's path, looked up before fork: the child then only execs, and
// sbin directories count even when a test's PATH lacks them (ip, ethtool).
absl::StatusOr<std::string> ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  std::string dirs =
      absl::StrCat(path ? path : "", ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin");
  for (absl::string_view dir : absl::StrSplit(dirs, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat("program \"", name, "\" not found"));
}

// Forks a child running `plan`; returns its pid once exec succeeded.
absl::StatusOr<pid_t> ForkExec(ChildPlan plan, const std::vector<std::string>& argv) {
  absl::StatusOr<std::string> program = ResolveProgram(argv[0]);
  if (!program.ok()) return program.status();
  plan.program = program->c_str();
  absl::StatusOr<Pipe> status = MakePipe();
  if (!status.ok()) return status.status();
  plan.status_fd = status->write.get();
  plan.parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) RunChild(plan);
  status->write.Reset();
  int msg[2];
  ssize_t n;
  do {
    n = read(status->read.get(), msg, sizeof msg);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof msg) {
    int st;
    waitpid(pid, &st, 0);
    static constexpr const char* kSteps[] = {"prctl", "setns", "dup2", "exec"};
    errno = msg[1];
    return Errno(absl::StrCat(kSteps[msg[0] & 3], " ", argv[0]));
  }
  return pid;
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

void KillGroupAndReap(pid_t pid) {
  kill(-pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
}

// write() to a pipe whose reader is gone, without the SIGPIPE that would kill
// the test: the signal is blocked in this thread and a pending one consumed.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t len) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n = write(fd, data, len);
  int saved = errno;
  if (n < 0 && errno == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::string NamespacePath(absl::string_view ns) {
  return absl::StrCat(kNetnsDir, "/", ns);
}

namespace {

absl::StatusOr<CommandResult> Run(int ns_fd, absl::string_view ns,
                                  const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  absl::StatusOr<Pipe> in = MakePipe(), out = MakePipe(), err = MakePipe();
  for (auto* p : {&in, &out, &err}) {
    if (!p->ok()) return p->status();
  }
  std::vector<char*> cargv = CArgv(argv);
  ChildPlan plan{.program = nullptr,
                 .ns_fd = ns_fd,
                 .argv = cargv.data(),
                 .stdin_fd = in->read.get(),
                 .stdout_fd = out->write.get(),
                 .stderr_fd = err->write.get(),
                 .ready_fd = -1,
                 .status_fd = -1,
                 .die_with_parent = true,
                 .parent = 0};
  absl::StatusOr<pid_t> pid = ForkExec(plan, argv);
  if (!pid.ok()) return pid.status();
  in->read.Reset();
  out->write.Reset();
  err->write.Reset();
  fcntl(in->write.get(), F_SETFL, O_NONBLOCK);

  const auto deadline = Clock::now() + options.timeout;
  CommandResult result;
  size_t written = 0;
  if (options.input.empty()) in->write.Reset();
  int wait_status = 0;
  bool exited = false;
  auto exited_at = Clock::time_point::max();
  char buf[4096];
  for (;;) {
    if (!exited && waitpid(*pid, &wait_status, WNOHANG) == *pid) {
      exited = true;
      exited_at = Clock::now();
    }
    const bool pipes_open = out->read.get() >= 0 || err->read.get() >= 0;
    auto now = Clock::now();
    if (exited && !pipes_open) break;
    // A background grandchild may hold our pipes open: once the child itself
    // exited, its output is complete after a short grace.
    if (exited && now - exited_at > Millis(200)) break;
    if (now >= deadline) {
      KillGroupAndReap(*pid);
      return absl::DeadlineExceededError(absl::StrCat("\"", absl::StrJoin(argv, " "), "\" in ", ns,
                                                      " still ran after ", options.timeout.count(),
                                                      " ms; stderr: ", result.err));
    }
    pollfd fds[3];
    int nfds = 0;
    for (Fd* f : {&out->read, &err->read}) {
      if (f->get() >= 0) fds[nfds++] = {f->get(), POLLIN, 0};
    }
    if (in->write.get() >= 0) fds[nfds++] = {in->write.get(), POLLOUT, 0};
    // Output wakes the poll at once; the timeout only paces the exit check.
    int wait_ms = exited ? 20 : 2;
    if (nfds == 0) {
      std::this_thread::sleep_for(Millis(1));
      continue;
    }
    if (poll(fds, nfds, wait_ms) < 0 && errno != EINTR) {
      KillGroupAndReap(*pid);
      return Errno("poll");
    }
    for (int i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in->write.get()) {
        ssize_t n = WriteNoSigpipe(fds[i].fd, options.input.data() + written,
                                   options.input.size() - written);
        if (n > 0) written += n;
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();
        if (written == options.input.size()) in->write.Reset();
        continue;
      }
      bool is_out = fds[i].fd == out->read.get();
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (is_out ? result.out : result.err).append(buf, n);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        (is_out ? out->read : err->read).Reset();
      }
    }
  }
  result.exit_code = ExitCode(wait_status);
  return result;
}

}  // namespace

absl::StatusOr<CommandResult> RunInNamespace(absl::string_view ns,
                                             const std::vector<std::string>& argv,
                                             const RunOptions& options) {
  absl::StatusOr<Fd> ns_fd = OpenNamespace(ns);
  if (!ns_fd.ok()) return ns_fd.status();
  return Run(ns_fd->get(), ns, argv, options);
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const RunOptions& options) {
  return Run(-1, "the caller's namespace", argv, options);
}

namespace {

absl::StatusOr<pid_t> Spawn(int ns_fd, absl::string_view ns, const std::vector<std::string>& argv,
                            const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  Fd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull.get() < 0) return Errno("open /dev/null");
  Pipe ready;
  if (options.wait_ready) {
    absl::StatusOr<Pipe> p = MakePipe();
    if (!p.ok()) return p.status();
    ready = *std::move(p);
  }
  std::vector<char*> cargv = CArgv(argv);
  ChildPlan plan{.program = nullptr,
                 .ns_fd = ns_fd,
                 .argv = cargv.data(),
                 .stdin_fd = devnull.get(),
                 .stdout_fd = -1,
                 .stderr_fd = -1,
                 .ready_fd = options.wait_ready ? ready.write.get() : -1,
                 .status_fd = -1,
                 .die_with_parent = true,
                 .parent = 0};
  absl::StatusOr<pid_t> pid = ForkExec(plan, argv);
  if (!pid.ok() || !options.wait_ready) return pid;
  ready.write.Reset();
  pollfd pfd{ready.read.get(), POLLIN, 0};
  int r;
  do {
    r = poll(&pfd, 1, static_cast<int>(options.ready_timeout.count()));
  } while (r < 0 && errno == EINTR);
  char byte;
  if (r > 0 && read(ready.read.get(), &byte, 1) == 1) return pid;
  std::string why = r == 0 ? absl::StrCat("not ready after ", options.ready_timeout.count(), " ms")
                           : "exited before it was ready";
  KillGroupAndReap(*pid);
  return absl::UnavailableError(
      absl::StrCat("\"", absl::StrJoin(argv, " "), "\" in ", ns, ": ", why));
}

}  // namespace

absl::StatusOr<pid_t> SpawnInNamespace(absl::string_view ns, const std::vector<std::string>& argv,
                                       const SpawnOptions& options) {
  absl::StatusOr<Fd> ns_fd = OpenNamespace(ns);
  if (!ns_fd.ok()) return ns_fd.status();
  return Spawn(ns_fd->get(), ns, argv, options);
}

absl::StatusOr<pid_t> SpawnCommand(const std::vector<std::string>& argv,
                                   const SpawnOptions& options) {
  return Spawn(-1, "the caller's namespace", argv, options);
}

absl::StatusOr<int> WaitChild(pid_t pid, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return Errno(absl::StrCat("waitpid ", pid));
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("pid ", pid, " still runs"));
    }
    std::this_thread::sleep_for(Millis(2));
  }
}

absl::Status WriteSysctlsIn(absl::string_view ns,
                            const std::vector<std::pair<std::string, std::string>>& values) {
  absl::StatusOr<Fd> ns_fd = OpenNamespace(ns);
  if (!ns_fd.ok()) return ns_fd.status();
  std::vector<std::string> paths;
  for (const auto& [key, value] : values) paths.push_back(absl::StrCat("/proc/sys/", key));
  absl::StatusOr<Pipe> status = MakePipe();
  if (!status.ok()) return status.status();
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    // The child only: entering the namespace must not move the test itself.
    int msg[2] = {-1, 0};
    if (setns(ns_fd->get(), CLONE_NEWNET) != 0) {
      msg[1] = errno;
      (void)!write(status->write.get(), msg, sizeof msg);
      _exit(1);
    }
    for (size_t i = 0; i < paths.size(); ++i) {
      int fd = open(paths[i].c_str(), O_WRONLY | O_CLOEXEC);
      const std::string& v = values[i].second;
      if (fd < 0 || write(fd, v.data(), v.size()) != static_cast<ssize_t>(v.size())) {
        msg[0] = static_cast<int>(i);
        msg[1] = errno;
        (void)!write(status->write.get(), msg, sizeof msg);
        _exit(1);
      }
      close(fd);
    }
    _exit(0);
  }
  status->write.Reset();
  int msg[2];
  ssize_t n = read(status->read.get(), msg, sizeof msg);
  absl::StatusOr<int> st = WaitChild(pid, Millis(5000));
  if (!st.ok()) {
    KillGroupAndReap(pid);
    return st.status();
  }
  if (n == sizeof msg) {
    errno = msg[1];
    return Errno(msg[0] < 0 ? absl::StrCat("setns ", ns)
                            : absl::StrCat("sysctl ", values[msg[0]].first, " in ", ns));
  }
  if (ExitCode(*st) != 0) return absl::InternalError("sysctl child failed");
  return absl::OkStatus();
}

std::vector<pid_t> PidsInNamespace(absl::string_view ns) {
  std::vector<pid_t> pids;
  struct stat target;
  if (stat(NamespacePath(ns).c_str(), &target) != 0) return pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* e = readdir(proc)) {
    char* end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    struct stat st;
    std::string path = absl::StrCat("/proc/", pid, "/ns/net");
    if (stat(path.c_str(), &st) == 0 && SameFile(st, target)) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

absl::Status KillAllInNamespace(absl::string_view ns, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::vector<pid_t> pids = PidsInNamespace(ns);
    if (pids.empty()) return absl::OkStatus();
    for (pid_t pid : pids) {
      kill(pid, SIGKILL);
      int st;
      waitpid(pid, &st, WNOHANG);  // reaps our own children; others go to init
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("processes still in ", ns, ": ", absl::StrJoin(pids, " ")));
    }
    std::this_thread::sleep_for(Millis(5));
  }
}

std::vector<std::string> ListNamespaces() {
  std::vector<std::string> names;
  DIR* dir = opendir(kNetnsDir);
  if (dir == nullptr) return names;
  while (dirent* e = readdir(dir)) {
    absl::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(dir);
  return names;
}

absl::Status DeleteNamespace(absl::string_view ns) {
  std::string path = NamespacePath(ns);
  // EINVAL: not a mount point (a half-made namespace); still remove the file.
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return Errno(absl::StrCat("umount ", path));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno(absl::StrCat("unlink ", path));
  return absl::OkStatus();
}

}  // namespace sluice::netns
