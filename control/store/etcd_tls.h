// TLS to etcd, as etcdctl's --cacert/--cert/--key and kube-apiserver's
// --etcd-cafile/--etcd-certfile/--etcd-keyfile: PEM files. Apart from
// etcd_store.h so that command lines can name it without gRPC's headers.
#ifndef SLUICE_CONTROL_STORE_ETCD_TLS_H_
#define SLUICE_CONTROL_STORE_ETCD_TLS_H_

#include <string>

namespace sluice::store {

struct EtcdTls {
  bool enabled = false;
  std::string ca_file;    // "": the system's roots
  std::string cert_file;  // a client certificate, for etcd's --client-cert-auth
  std::string key_file;
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_ETCD_TLS_H_
