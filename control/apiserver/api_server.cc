#include "control/apiserver/api_server.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/store/store_open.h"

namespace sluice::apiserver {

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  std::string store_spec = options.store;
  if (store_spec.empty()) {
    if (options.data_dir.empty()) return absl::InvalidArgumentError("a data directory is required");
    if (mkdir(options.data_dir.c_str(), 0700) != 0 && errno != EEXIST)
      return absl::ErrnoToStatus(errno, absl::StrCat("creating ", options.data_dir));
    store_spec = options.data_dir + "/state.db";
  } else if (!absl::StartsWith(store_spec, store::kEtcdScheme)) {
    return absl::InvalidArgumentError(
        absl::StrCat("store \"", store_spec, "\": expected etcd://host:port[,host:port]"));
  }
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->listen_address_ = options.listen_address;
  auto store = store::OpenStore(store_spec);
  if (!store.ok())
    return absl::Status(store.status().code(),
                        absl::StrCat("opening the store: ", store.status().message()));
  server->store_ = *std::move(store);
  server->registry_ = DefaultRegistry();
  server->router_ = std::make_unique<Router>(server->store_.get(), &server->registry_);
  if (auto s = server->router_->resources().EnsureSystemNamespaces(); !s.ok()) return s;
  Router* router = server->router_.get();
  auto http = HttpServer::Start(options.listen_address, options.port,
                                [router](const HttpRequest& r) { return router->Handle(r); });
  if (!http.ok()) return http.status();
  server->http_ = *std::move(http);
  return server;
}

ApiServer::~ApiServer() {
  Stop();
}

void ApiServer::Stop() {
  if (http_) http_->Stop();
}

std::string ApiServer::url() const {
  return absl::StrCat("http://", listen_address_, ":", port());
}

std::string KubeconfigYaml(const std::string& url) {
  return absl::StrCat(
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: sluice\n"
      "  cluster:\n"
      "    server: ",
      url,
      "\n"
      "users:\n"
      "- name: sluice-admin\n"
      "  user: {}\n"
      "contexts:\n"
      "- name: sluice\n"
      "  context:\n"
      "    cluster: sluice\n"
      "    user: sluice-admin\n"
      "    namespace: default\n"
      "current-context: sluice\n");
}

absl::Status WriteKubeconfig(const std::string& path, const std::string& url) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << KubeconfigYaml(url);
    if (!out.good()) return absl::ErrnoToStatus(errno, absl::StrCat("writing ", tmp));
  }
  chmod(tmp.c_str(), 0600);
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return absl::ErrnoToStatus(errno, absl::StrCat("renaming ", tmp, " to ", path));
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
