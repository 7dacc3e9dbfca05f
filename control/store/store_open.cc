#include "control/store/store_open.h"

#include "absl/strings/match.h"
#include "control/status_macros.h"
#include "control/store/etcd_store.h"
#include "control/store/sqlite_store.h"

namespace sluice::store {

bool IsEtcdSpec(absl::string_view spec) {
  return absl::StartsWith(spec, kEtcdScheme) || absl::StartsWith(spec, kEtcdTlsScheme);
}

absl::StatusOr<StorePtr> OpenStore(absl::string_view spec, const std::string& etcd_key_prefix,
                                   const EtcdTls& etcd_tls) {
  if (!IsEtcdSpec(spec)) return SqliteStore::Open(std::string(spec));
  EtcdStoreOptions options{.key_prefix = etcd_key_prefix, .tls = etcd_tls};
  options.tls.enabled = options.tls.enabled || EtcdEndpointsWantTls(spec);
  SLUICE_ASSIGN_OR_RETURN(options.endpoints, ParseEtcdEndpoints(spec));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<EtcdStore> store, EtcdStore::Open(options));
  return store;
}

}  // namespace sluice::store
