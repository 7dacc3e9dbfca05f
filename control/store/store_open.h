// Opens the store a command line names: "etcd://host:port[,host:port]" for
// etcd, anything else is the path of a SQLite file.
#ifndef SLUICE_CONTROL_STORE_STORE_OPEN_H_
#define SLUICE_CONTROL_STORE_STORE_OPEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/store/etcd_tls.h"
#include "control/store/store.h"

namespace sluice::store {

inline constexpr absl::string_view kEtcdScheme = "etcd://";
inline constexpr absl::string_view kEtcdTlsScheme = "etcds://";

bool IsEtcdSpec(absl::string_view spec);

// `etcd_key_prefix` is the etcd namespace of the keys (unused for SQLite).
// `etcd_tls` is used when enabled, or when the spec says etcds:// or https://.
absl::StatusOr<StorePtr> OpenStore(absl::string_view spec, const std::string& etcd_key_prefix = "",
                                   const EtcdTls& etcd_tls = {});

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_STORE_OPEN_H_
