// `sluice server`'s API server: the store (SQLite in a data directory, or
// etcd), the router and the HTTP listener, started and stopped together.
#ifndef SLUICE_CONTROL_APISERVER_API_SERVER_H_
#define SLUICE_CONTROL_APISERVER_API_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/apiserver/http_server.h"
#include "control/apiserver/resource_type.h"
#include "control/apiserver/router.h"
#include "control/store/store.h"

namespace sluice::apiserver {

struct ApiServerOptions {
  std::string data_dir;  // holds state.db
  // "etcd://host:port[,host:port]": the store is that etcd cluster, shared by
  // every server given it; data_dir is then unused. Empty: SQLite.
  std::string store;
  std::string listen_address = "127.0.0.1";
  uint16_t port = 6443;  // 0: any free port
};

class ApiServer {
 public:
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);
  ~ApiServer();

  uint16_t port() const { return http_->port(); }
  std::string url() const;
  void Stop();

 private:
  ApiServer() = default;

  std::string listen_address_;
  store::StorePtr store_;
  ResourceRegistry registry_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> http_;
};

// A kubeconfig with one cluster, user and context named "sluice" for `url`.
std::string KubeconfigYaml(const std::string& url);
absl::Status WriteKubeconfig(const std::string& path, const std::string& url);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_API_SERVER_H_
