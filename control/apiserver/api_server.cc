#include "control/apiserver/api_server.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "control/apiserver/files.h"
#include "control/apiserver/kubernetes_service.h"
#include "control/controllers/allocators/allocation_store.h"
#include "control/status_macros.h"
#include "control/store/store_open.h"

namespace sluice::apiserver {
namespace {

bool IsWildcard(const std::string& address) {
  return address == "0.0.0.0" || address == "::";
}

bool IsLoopback(const std::string& address) {
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsIpAddress(const std::string& text) {
  in6_addr any;
  return inet_pton(AF_INET, text.c_str(), &any) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &any) == 1;
}

// A name a certificate may carry: DNS labels of lower-case letters, digits
// and inner hyphens, optionally under a leading "*." wildcard.
bool IsDnsName(absl::string_view name) {
  if (absl::StartsWith(name, "*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
  }
  return true;
}

// The addresses of the host's interfaces that are up, IPv4 first (loopback
// and link-local ones left out).
std::vector<std::string> HostAddresses() {
  std::vector<std::string> v4, v6;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
      continue;
    char text[INET6_ADDRSTRLEN];
    if (i->ifa_addr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text,
                sizeof(text));
      v4.emplace_back(text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const in6_addr& a = reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(&a)) continue;
      inet_ntop(AF_INET6, &a, text, sizeof(text));
      v6.emplace_back(text);
    }
  }
  freeifaddrs(list);
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

// The names and addresses clients use: the listen address (every host
// address for a wildcard), loopback, the kubernetes Service's DNS names and
// ClusterIP, and what the options add.
std::vector<std::string> ServingNames(const ApiServerOptions& options, const std::string& advertise,
                                      const std::string& service_ip) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& n) {
    if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  if (IsWildcard(options.listen_address)) {
    for (const std::string& a : HostAddresses()) add(a);
  } else {
    add(options.listen_address);
  }
  add(advertise);
  for (const char* n : {"127.0.0.1", "::1", "localhost", "kubernetes", "kubernetes.default",
                        "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"})
    add(n);
  add(service_ip);
  for (const std::string& n : options.extra_sans) add(n);
  return names;
}

std::string AdvertiseAddress(const ApiServerOptions& options) {
  if (!options.advertise_address.empty()) return options.advertise_address;
  if (!IsWildcard(options.listen_address)) return options.listen_address;
  std::vector<std::string> host = HostAddresses();
  return host.empty() ? "127.0.0.1" : host.front();
}

// How a client on this machine reaches `address`.
std::string UrlHost(const std::string& address) {
  if (address == "0.0.0.0") return "127.0.0.1";
  if (address == "::") return "[::1]";
  return absl::StrContains(address, ':') ? absl::StrCat("[", address, "]") : address;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("a data directory is required");
  if (options.insecure_listen_address && !IsLoopback(*options.insecure_listen_address))
    return absl::InvalidArgumentError(absl::StrCat("plain HTTP is served on loopback only, not on ",
                                                   *options.insecure_listen_address));
  // It becomes the kubernetes Service's endpoint, which holds addresses only.
  if (!options.advertise_address.empty() && !IsIpAddress(options.advertise_address))
    return absl::InvalidArgumentError(absl::StrCat(
        "the advertise address must be an IP address, not ", options.advertise_address));
  for (const std::string& name : options.extra_sans)
    if (!IsIpAddress(name) && !IsDnsName(name))
      return absl::InvalidArgumentError(absl::StrCat(
          "a certificate name must be an IP address or a lower-case DNS name, not \"", name, "\""));
  SLUICE_RETURN_IF_ERROR(MakePrivateDirectory(options.data_dir));
  // The store: SQLite in the data directory, or a shared etcd.
  std::string store_spec = options.data_dir + "/state.db";
  if (!options.store.empty()) {
    if (!store::IsEtcdSpec(options.store))
      return absl::InvalidArgumentError(
          absl::StrCat("store \"", options.store, "\": expected etcd[s]://host:port[,host:port]"));
    store_spec = options.store;
  }
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->listen_address_ = options.listen_address;
  auto store = store::OpenStore(store_spec, "", options.etcd_tls);
  if (!store.ok())
    return absl::Status(store.status().code(),
                        absl::StrCat("opening the store: ", store.status().message()));
  // Services write their ClusterIPs and node ports as keys of their own, so
  // that servers sharing an etcd never allocate one twice.
  server->store_ = std::make_unique<controllers::AllocationRecordingStore>(*std::move(store));
  if (auto repaired = controllers::RepairAllocations(*server->store_); !repaired.ok())
    return absl::Status(repaired.status().code(),
                        absl::StrCat("repairing the allocations: ", repaired.status().message()));
  server->registry_ = DefaultRegistry();
  if (auto s = UseServiceNetwork(server->registry_, options.service_network); !s.ok()) return s;
  server->router_ = std::make_unique<Router>(server->store_.get(), &server->registry_);
  SLUICE_RETURN_IF_ERROR(server->router_->resources().EnsureSystemNamespaces());

  SLUICE_ASSIGN_OR_RETURN(server->tokens_,
                          TokenAuthenticator::LoadOrCreate(options.data_dir + "/tokens"));
  std::string advertise = AdvertiseAddress(options);
  SLUICE_ASSIGN_OR_RETURN(std::string service_ip, KubernetesServiceIp(options.service_network));
  server->sans_ = ServingNames(options, advertise, service_ip);
  SLUICE_ASSIGN_OR_RETURN(server->pki_,
                          LoadOrCreatePki(options.data_dir + "/tls", server->sans_, absl::Now()));
  server->filter_ = std::make_unique<AccessFilter>(&*server->tokens_, server->router_.get(),
                                                   &server->registry_, &server->metrics_);

  AccessFilter* filter = server->filter_.get();
  HttpHandler handler = [filter](const HttpRequest& r) { return filter->Handle(r); };
  SLUICE_ASSIGN_OR_RETURN(
      server->https_,
      HttpServer::Start(options.listen_address, options.port, handler,
                        TlsCredentials{.cert_chain_pem = server->pki_.serving.cert_pem,
                                       .key_pem = server->pki_.serving.key_pem}));
  if (options.insecure_listen_address) {
    server->insecure_address_ = *options.insecure_listen_address;
    SLUICE_ASSIGN_OR_RETURN(server->http_, HttpServer::Start(*options.insecure_listen_address,
                                                             options.insecure_port, handler));
  }
  // Requests wait (503) until the kubernetes Service holds its address.
  SLUICE_RETURN_IF_ERROR(EnsureKubernetesService(server->router_->resources(), server->registry_,
                                                 service_ip, advertise, server->port()));
  filter->SetReady();
  return server;
}

ApiServer::~ApiServer() {
  Stop();
}

void ApiServer::Stop() {
  if (https_) https_->Stop();
  if (http_) http_->Stop();
}

std::string ApiServer::url() const {
  return absl::StrCat("https://", UrlHost(listen_address_), ":", port());
}

std::string ApiServer::insecure_url() const {
  if (!http_) return "";
  return absl::StrCat("http://", UrlHost(insecure_address_), ":", http_->port());
}

std::string KubeconfigYaml(const std::string& url, const std::string& ca_pem,
                           const KubeconfigUser& user) {
  return absl::StrCat(
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: sluice\n"
      "  cluster:\n"
      "    server: ",
      url,
      "\n"
      "    certificate-authority-data: ",
      absl::Base64Escape(ca_pem),
      "\n"
      "users:\n"
      "- name: ",
      user.name,
      "\n"
      "  user:\n"
      "    token: ",
      user.token,
      "\n"
      "contexts:\n"
      "- name: sluice\n"
      "  context:\n"
      "    cluster: sluice\n"
      "    user: ",
      user.name,
      "\n"
      "    namespace: default\n"
      "current-context: sluice\n");
}

absl::Status WriteKubeconfig(const std::string& path, const std::string& url,
                             const std::string& ca_pem, const KubeconfigUser& user) {
  return WritePrivateFile(path, KubeconfigYaml(url, ca_pem, user));
}

}  // namespace sluice::apiserver
