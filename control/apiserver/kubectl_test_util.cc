#include "control/apiserver/kubectl_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"

namespace sluice::apiserver {

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

Result RunBounded(const std::string& dir, const std::string& command) {
  std::string log = dir + "/run.out";
  pid_t pid = Spawn("exec timeout 30 " + command, log);
  int code = Reap(pid, 40);
  return {code, ReadFile(log)};
}

pid_t StartServer(const std::string& dir, const std::string& extra_args) {
  const char* sluice = getenv("SLUICE_BINARY");
  if (sluice == nullptr) {
    ADD_FAILURE() << "SLUICE_BINARY is not set";
    return -1;
  }
  std::filesystem::remove(dir + "/kubeconfig");
  std::filesystem::remove(dir + "/node-kubeconfig");
  pid_t pid =
      Spawn(std::string("exec ") + sluice + " server --data-dir " + dir +
                "/data --listen 127.0.0.1:0 --kubeconfig-out " + dir +
                "/kubeconfig --node-kubeconfig-out " + dir + "/node-kubeconfig " + extra_args,
            dir + "/server.log");
  // The node kubeconfig is written last (each one whole, by rename).
  for (int i = 0; i < 300 && !std::filesystem::exists(dir + "/node-kubeconfig"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!std::filesystem::exists(dir + "/node-kubeconfig")) {
    ADD_FAILURE() << "the server wrote no kubeconfigs: " << ReadFile(dir + "/server.log");
    kill(pid, SIGKILL);
    Reap(pid, 5);
    return -1;
  }
  return pid;
}

std::string ServerUrl(const std::string& kubeconfig) {
  std::smatch m;
  std::string text = ReadFile(kubeconfig);
  return std::regex_search(text, m, std::regex("server: (https://[^\n]+)")) ? m[1].str() : "";
}

void KubectlTest::SetUpTestSuite() {
  MakeSuiteDir();
  StartSuiteServer();
}

void KubectlTest::MakeSuiteDir() {
  char tmpl[] = "/tmp/kubectl_e2e.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = new std::string(tmpl);
  std::filesystem::create_directories(*dir_ + "/home");
  setenv("HOME", (*dir_ + "/home").c_str(), 1);
  setenv("KUBECONFIG", (*dir_ + "/kubeconfig").c_str(), 1);
}

void KubectlTest::StartSuiteServer(const std::string& extra_args) {
  server_ = StartServer(*dir_, extra_args);
}

void KubectlTest::TearDownTestSuite() {
  if (server_ > 0) {
    kill(server_, SIGTERM);
    EXPECT_EQ(Reap(server_, 10), 0) << "sluice server did not stop cleanly";
    server_ = -1;
  }
  if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
  delete dir_;
  dir_ = nullptr;
}

void KubectlTest::SetUp() {
  // kubectl and curl are on every machine this runs on; without them the
  // test fails.
  ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
  ASSERT_EQ(system("command -v curl >/dev/null 2>&1"), 0) << "curl is not installed";
  ASSERT_GT(server_, 0) << "the server did not start";
}

Result KubectlTest::Kubectl(const std::string& args) {
  return RunBounded(*dir_, "kubectl " + args);
}

Result KubectlTest::KubectlUntil(const std::string& args, const std::string& regex) {
  Result r;
  for (int i = 0; i < 50; ++i) {
    r = Kubectl(args);
    if (::testing::Matches(::testing::ContainsRegex(regex))(r.output)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return r;
}

std::string KubectlTest::File(const std::string& name, const std::string& text) {
  std::string path = *dir_ + "/" + name;
  WriteFile(path, text);
  return path;
}

}  // namespace sluice::apiserver
