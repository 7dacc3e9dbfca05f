#include "control/store/etcd_test_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "control/store/etcd_store.h"
#include "gtest/gtest.h"

extern char** environ;

namespace sluice::store {
namespace {

// Free loopback ports, held open together so that they differ, then released
// for etcd to bind.
absl::Status PickFreePorts(uint16_t* a, uint16_t* b) {
  int fds[2] = {-1, -1};
  uint16_t* ports[2] = {a, b};
  absl::Status status;
  for (int i = 0; i < 2 && status.ok(); ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fds[i] < 0 || bind(fds[i], reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fds[i], reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      status = absl::ErrnoToStatus(errno, "picking a free port");
    }
    *ports[i] = ntohs(address.sin_port);
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  return status;
}

std::string EtcdBinary() {
  const char* binary = std::getenv("ETCD_BINARY");
  return binary != nullptr ? binary : "/usr/bin/etcd";
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdTestServer>> EtcdTestServer::Start() {
  return Start(/*tls=*/false);
}

absl::StatusOr<std::unique_ptr<EtcdTestServer>> EtcdTestServer::StartWithTls() {
  return Start(/*tls=*/true);
}

absl::StatusOr<std::unique_ptr<EtcdTestServer>> EtcdTestServer::Start(bool tls) {
  std::unique_ptr<EtcdTestServer> server(new EtcdTestServer());
  std::string dir = testing::TempDir() + "etcd_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return absl::ErrnoToStatus(errno, "mkdtemp");
  server->dir_ = dir;
  server->tls_ = tls;
  if (tls) {
    if (absl::Status s = server->MakeCertificates(); !s.ok()) return s;
  }
  // Another process may take a port between our pick and etcd's bind: etcd
  // then exits, and new ports are picked.
  absl::Status launched;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (absl::Status s = PickFreePorts(&server->client_port_, &server->peer_port_); !s.ok()) {
      return s;
    }
    launched = server->Launch();
    if (launched.ok()) return server;
    server->Kill();
    std::error_code ignored;
    std::filesystem::remove_all(server->dir_ + "/data", ignored);
  }
  return launched;
}

EtcdTestServer::~EtcdTestServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string EtcdTestServer::endpoint() const {
  return absl::StrCat("127.0.0.1:", client_port_);
}

std::string EtcdTestServer::url() const {
  return absl::StrCat(tls_ ? "etcds://" : "etcd://", endpoint());
}

EtcdTls EtcdTestServer::client_tls() const {
  if (!tls_) return {};
  return {.enabled = true,
          .ca_file = dir_ + "/tls/ca.crt",
          .cert_file = dir_ + "/tls/client.crt",
          .key_file = dir_ + "/tls/client.key"};
}

absl::Status EtcdTestServer::MakeCertificates() {
  const std::string tls = dir_ + "/tls";
  std::filesystem::create_directories(tls);
  // P-256 keys; the CA marked as one, each leaf for its one use (Go's TLS,
  // etcd's, checks the extended key usage of both ends).
  std::string script = absl::StrCat(
      "set -e\ncd '", tls, "'\n", "openssl ecparam -name prime256v1 -genkey -noout -out ca.key\n",
      "openssl req -x509 -new -key ca.key -subj /CN=etcd-test-ca -days 2 -out ca.crt",
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign\n");
  for (const char* leaf : {"server", "client"}) {
    const bool server = std::string(leaf) == "server";
    absl::StrAppend(&script, "openssl ecparam -name prime256v1 -genkey -noout -out ", leaf,
                    ".key\n", "openssl req -new -key ", leaf, ".key -subj /CN=", leaf, " -out ",
                    leaf, ".csr\n", "printf '", server ? "subjectAltName=IP:127.0.0.1\\n" : "",
                    "extendedKeyUsage=", server ? "serverAuth" : "clientAuth", "\\n' > ", leaf,
                    ".ext\n", "openssl x509 -req -in ", leaf,
                    ".csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out ", leaf,
                    ".crt -extfile ", leaf, ".ext\n");
  }
  {
    std::ofstream out(tls + "/make.sh");
    out << script;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tls, "/make.sh"));
  }
  const std::string log = tls + "/openssl.log";
  if (std::system(absl::StrCat("sh '", tls, "/make.sh' >'", log, "' 2>&1").c_str()) != 0) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return absl::InternalError(absl::StrCat("making etcd's test certificates:\n", text.str()));
  }
  return absl::OkStatus();
}

void EtcdTestServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status EtcdTestServer::Restart() {
  Kill();
  return Launch();
}

absl::Status EtcdTestServer::Launch() {
  const std::string binary = EtcdBinary();
  const std::string client = absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", client_port_);
  const std::string peer = absl::StrCat("http://127.0.0.1:", peer_port_);
  std::vector<std::string> args = {binary,
                                   "--name=sluice-test",
                                   "--data-dir=" + dir_ + "/data",
                                   "--listen-client-urls=" + client,
                                   "--advertise-client-urls=" + client,
                                   "--listen-peer-urls=" + peer,
                                   "--initial-advertise-peer-urls=" + peer,
                                   "--initial-cluster=sluice-test=" + peer,
                                   "--logger=zap",
                                   "--log-outputs=stderr"};
  if (tls_) {
    for (std::string flag :
         {"--cert-file=" + dir_ + "/tls/server.crt", "--key-file=" + dir_ + "/tls/server.key",
          "--trusted-ca-file=" + dir_ + "/tls/ca.crt", std::string("--client-cert-auth")})
      args.push_back(std::move(flag));
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // etcd reads ETCD_* variables as flags: none of the caller's may leak in.
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "ETCD_")) env.push_back(*e);
  }
  env.push_back(nullptr);
  const std::string log = dir_ + "/etcd.log";
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("opening ", log));
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no etcd behind
    if (getppid() != parent) _exit(127);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), env.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  pid_ = pid;
  return WaitUntilServing(absl::Seconds(30));
}

absl::Status EtcdTestServer::WaitUntilServing(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Status last = absl::DeadlineExceededError("not tried");
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat(EtcdBinary(), " exited (status ", status, "):\n", LogTail()));
    }
    auto store = EtcdStore::Open(EtcdStoreOptions{
        .endpoints = {endpoint()}, .tls = client_tls(), .request_timeout = absl::Seconds(1)});
    if (store.ok()) return absl::OkStatus();
    last = store.status();
  }
  return absl::DeadlineExceededError(absl::StrCat("etcd did not serve within ",
                                                  absl::FormatDuration(timeout), ": ",
                                                  last.message(), "\n", LogTail()));
}

std::string EtcdTestServer::LogTail() const {
  std::ifstream in(dir_ + "/etcd.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace sluice::store
