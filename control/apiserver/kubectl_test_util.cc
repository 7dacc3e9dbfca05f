#include "control/apiserver/kubectl_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sluice::apiserver {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

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

void KubectlTest::SetUpTestSuite() {
  char tmpl[] = "/tmp/kubectl_e2e.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = new std::string(tmpl);
  std::filesystem::create_directories(*dir_ + "/home");
  // kubectl caches discovery under $HOME/.kube/cache; a fresh HOME keeps
  // runs from seeing another server's documents.
  setenv("HOME", (*dir_ + "/home").c_str(), 1);
  setenv("KUBECONFIG", (*dir_ + "/kubeconfig").c_str(), 1);
  const char* sluice = getenv("SLUICE_BINARY");
  ASSERT_NE(sluice, nullptr) << "SLUICE_BINARY is not set";
  server_ = Spawn(std::string("exec ") + sluice + " server --data-dir " + *dir_ +
                      "/data --listen 127.0.0.1:0 --kubeconfig-out " + *dir_ + "/kubeconfig",
                  *dir_ + "/server.log");
  for (int i = 0; i < 200 && !std::filesystem::exists(*dir_ + "/kubeconfig"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(std::filesystem::exists(*dir_ + "/kubeconfig")) << ReadFile(*dir_ + "/server.log");
}

void KubectlTest::TearDownTestSuite() {
  if (server_ > 0) {
    kill(server_, SIGTERM);
    EXPECT_EQ(Reap(server_, 10), 0) << "sluice server did not stop cleanly";
  }
  std::filesystem::remove_all(*dir_);
}

void KubectlTest::SetUp() {
  // kubectl is on every machine this runs on; without it the test fails.
  ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
}

Result KubectlTest::Kubectl(const std::string& args) {
  std::string log = *dir_ + "/kubectl.out";
  pid_t pid = Spawn("exec timeout 30 kubectl " + args, log);
  int code = Reap(pid, 40);
  return {code, ReadFile(log)};
}

std::string KubectlTest::File(const std::string& name, const std::string& text) {
  std::string path = *dir_ + "/" + name;
  WriteFile(path, text);
  return path;
}

}  // namespace sluice::apiserver
