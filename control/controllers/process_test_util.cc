#include "control/controllers/process_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sluice::controllers {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

pid_t Spawn(const std::string& command, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

int Reap(pid_t pid, int seconds) {
  int status = 0;
  for (int i = 0; i < seconds * 20; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

SluiceServerProcess::SluiceServerProcess() {
  char tmpl[] = "/tmp/sluice_server_test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  dir_ = tmpl;
  std::filesystem::create_directories(dir_ + "/home");
  setenv("HOME", (dir_ + "/home").c_str(), 1);
  setenv("KUBECONFIG", (dir_ + "/kubeconfig").c_str(), 1);
}

std::string SluiceServerProcess::Start(const std::string& extra_args) {
  if (dir_.empty()) return "mkdtemp failed";
  if (system("command -v kubectl >/dev/null 2>&1") != 0) return "kubectl is not installed";
  const char* sluice = getenv("SLUICE_BINARY");
  if (sluice == nullptr) return "SLUICE_BINARY is not set";
  pid_ =
      Spawn(std::string("exec ") + sluice + " server --data-dir " + dir_ +
                "/data --listen 127.0.0.1:0 --kubeconfig-out " + dir_ + "/kubeconfig " + extra_args,
            dir_ + "/server.log");
  for (int i = 0; i < 200 && !std::filesystem::exists(dir_ + "/kubeconfig"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!std::filesystem::exists(dir_ + "/kubeconfig"))
    return "no kubeconfig; server log:\n" + ReadFile(dir_ + "/server.log");
  return "";
}

int SluiceServerProcess::Stop() {
  int code = 0;
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    code = Reap(pid_, 10);
    pid_ = -1;
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  return code;
}

Result SluiceServerProcess::Kubectl(const std::string& args) const {
  std::string log = dir_ + "/kubectl.out";
  pid_t pid = Spawn("exec timeout 30 kubectl " + args, log);
  int code = Reap(pid, 40);
  return {code, ReadFile(log)};
}

std::string SluiceServerProcess::File(const std::string& name, const std::string& text) const {
  std::string path = dir_ + "/" + name;
  WriteFile(path, text);
  return path;
}

}  // namespace sluice::controllers
