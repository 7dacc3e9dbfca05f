// `sluice server`'s API server: the store (SQLite in a data directory, or a
// shared etcd), the certificates and tokens in the data directory, the access
// filter and router, and the HTTPS listener (plus, when asked, a plain HTTP one
// on loopback), started and stopped together.
//
// The data directory holds state.db (unless the store is etcd), tls/
// (ca.{key,crt}, apiserver.{key,crt}) and tokens/ (admin.token, node.token);
// all of it is made on the first start and reused after.
#ifndef SLUICE_CONTROL_APISERVER_API_SERVER_H_
#define SLUICE_CONTROL_APISERVER_API_SERVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/apiserver/access_filter.h"
#include "control/apiserver/authentication.h"
#include "control/apiserver/http_server.h"
#include "control/apiserver/metrics.h"
#include "control/apiserver/pki.h"
#include "control/apiserver/resource_type.h"
#include "control/apiserver/router.h"
#include "control/apiserver/service_network.h"
#include "control/store/etcd_tls.h"
#include "control/store/store.h"

namespace sluice::apiserver {

struct ApiServerOptions {
  std::string data_dir;
  // "etcd://host:port[,host:port]": the objects are in that etcd cluster,
  // shared by every server given it, instead of data_dir's state.db (the
  // certificates and tokens stay in data_dir). Empty: SQLite. etcds://: TLS.
  std::string store;
  store::EtcdTls etcd_tls;                   // --etcd-cafile, --etcd-certfile, --etcd-keyfile
  std::string listen_address = "127.0.0.1";  // HTTPS
  uint16_t port = 6443;                      // 0: any free port
  // How other machines reach the server: a name in the certificate and the
  // address of the kubernetes Service's endpoint. Empty: the listen address
  // (the host's first address when listening on every address).
  std::string advertise_address;
  // More names and addresses for the certificate (node addresses, a DNS name).
  std::vector<std::string> extra_sans;
  // Plain HTTP as well, with the same tokens; loopback addresses only.
  std::optional<std::string> insecure_listen_address;
  uint16_t insecure_port = 0;
  controllers::ServiceNetworkConfig service_network;
};

class ApiServer {
 public:
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);
  ~ApiServer();

  uint16_t port() const { return https_->port(); }
  // For the controllers that run in the same process (control/controllers).
  store::Store* store() const { return store_.get(); }
  std::string url() const;           // https://...
  std::string insecure_url() const;  // http://...; "" without the plain listener
  const std::string& ca_pem() const { return pki_.ca.cert_pem; }
  const TokenAuthenticator& tokens() const { return *tokens_; }
  // The names and addresses the serving certificate carries.
  const std::vector<std::string>& sans() const { return sans_; }
  void Stop();

 private:
  ApiServer() = default;

  std::string listen_address_;
  std::string insecure_address_;
  std::vector<std::string> sans_;
  store::StorePtr store_;
  ResourceRegistry registry_;
  std::unique_ptr<Router> router_;
  std::optional<TokenAuthenticator> tokens_;
  ServerPki pki_;
  ApiMetrics metrics_;
  std::unique_ptr<AccessFilter> filter_;
  std::unique_ptr<HttpServer> https_;
  std::unique_ptr<HttpServer> http_;
};

struct KubeconfigUser {
  std::string name;  // "sluice-admin", "sluice-node"
  std::string token;
};

// A kubeconfig with one cluster and context named "sluice": `url`, trusting
// `ca_pem` (embedded as certificate-authority-data), as `user`.
std::string KubeconfigYaml(const std::string& url, const std::string& ca_pem,
                           const KubeconfigUser& user);
// Written whole, mode 0600 (it holds the token).
absl::Status WriteKubeconfig(const std::string& path, const std::string& url,
                             const std::string& ca_pem, const KubeconfigUser& user);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_API_SERVER_H_
