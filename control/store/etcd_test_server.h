// A real etcd for tests: Debian's etcd binary (or $ETCD_BINARY) on free
// loopback ports with a data directory of its own, killed and removed when the
// object goes, and killed by the kernel if the test process dies first.
#ifndef SLUICE_CONTROL_STORE_ETCD_TEST_SERVER_H_
#define SLUICE_CONTROL_STORE_ETCD_TEST_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/store/etcd_tls.h"

namespace sluice::store {

class EtcdTestServer {
 public:
  // Starts etcd and waits until it serves requests.
  static absl::StatusOr<std::unique_ptr<EtcdTestServer>> Start();
  // The same over TLS with client certificates (--client-cert-auth): a CA, a
  // serving certificate for 127.0.0.1 and a client one, made by the openssl
  // command in the server's directory.
  static absl::StatusOr<std::unique_ptr<EtcdTestServer>> StartWithTls();
  ~EtcdTestServer();

  std::string endpoint() const;  // 127.0.0.1:port
  std::string url() const;       // etcd[s]://127.0.0.1:port, for OpenStore
  // With TLS: the files a client needs (ca_file, cert_file, key_file).
  EtcdTls client_tls() const;

  // SIGKILL, as a crash would: nothing is flushed that etcd had not synced.
  void Kill();
  // Kill(), then start again on the same data and ports and wait for it.
  absl::Status Restart();
  // The end of etcd's log, for failure messages.
  std::string LogTail() const;

 private:
  EtcdTestServer() = default;
  static absl::StatusOr<std::unique_ptr<EtcdTestServer>> Start(bool tls);
  absl::Status MakeCertificates();
  absl::Status Launch();
  absl::Status WaitUntilServing(absl::Duration timeout);

  std::string dir_;  // holds data/ and etcd.log
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  pid_t pid_ = -1;
  bool tls_ = false;
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_ETCD_TEST_SERVER_H_
