// The Store on an etcd v3 cluster, over etcd's gRPC API (our declarations of
// it in etcdpb/). Each call is one etcd request (README.md has the table);
// revisions are etcd's, so several processes with an EtcdStore on one cluster
// (several `sluice server`s) share keys, revisions and watches.
#ifndef SLUICE_CONTROL_STORE_ETCD_STORE_H_
#define SLUICE_CONTROL_STORE_ETCD_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "control/store/etcd_codec.h"
#include "control/store/etcd_tls.h"
#include "control/store/etcd_watch.h"
#include "control/store/store.h"
#include "rpc.grpc.pb.h"

namespace sluice::store {

struct EtcdStoreOptions {
  std::vector<std::string> endpoints;  // host:port, at least one
  // Every key lives under it in etcd (kube-apiserver's --etcd-prefix).
  std::string key_prefix;
  EtcdTls tls;
  // Each request waits this long for an endpoint to answer, across a restart
  // of etcd; Open() waits this long for the first answer.
  absl::Duration request_timeout = absl::Seconds(30);
};

// Parses "etcd://host:port[,host:port...]" (the scheme is optional; etcds://
// for TLS; each endpoint may say http:// or https://) into endpoints.
absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(absl::string_view text);
// Whether such a list asks for TLS (etcds://, https://).
bool EtcdEndpointsWantTls(absl::string_view text);

class EtcdStore : public Store {
 public:
  // Connects and checks that etcd answers.
  static absl::StatusOr<std::unique_ptr<EtcdStore>> Open(const EtcdStoreOptions& options);
  // Ends every watch (Cancelled).
  ~EtcdStore() override;

  absl::StatusOr<int64_t> Create(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::optional<KeyValue>> Get(absl::string_view key, int64_t revision) override;
  absl::StatusOr<ListResult> List(const ListOptions& options) override;
  absl::StatusOr<WriteResult> Update(absl::string_view key, absl::string_view value,
                                     int64_t expected_mod_revision) override;
  absl::StatusOr<WriteResult> Delete(absl::string_view key, int64_t expected_mod_revision) override;
  absl::StatusOr<TxnResult> Txn(const std::vector<TxnOp>& ops) override;
  absl::StatusOr<int64_t> CurrentRevision() override;
  absl::Status Compact(int64_t revision) override;
  absl::StatusOr<WatchStreamPtr> Watch(const WatchOptions& options) override;

 private:
  EtcdStore(const EtcdStoreOptions& options, std::shared_ptr<grpc::Channel> channel);

  std::unique_ptr<grpc::ClientContext> NewContext() const;
  absl::StatusOr<etcdserverpb::RangeResponse> Range(etcdserverpb::RangeRequest request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request);
  // A read or compaction at `revision` failed in etcd: the store's error.
  absl::Status RevisionError(const grpc::Status& status, int64_t revision, absl::string_view what);
  // etcd's compacted revision, which its errors do not carry: a watch from
  // revision 1 learns it (0 if it cannot be had).
  int64_t CompactedRevisionNow();

  etcd::Keyspace keyspace_;
  absl::Duration request_timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  etcd::EtcdWatchSet watches_;
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_ETCD_STORE_H_
