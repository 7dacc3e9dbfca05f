// Between the store's types and etcd's wire messages: the key space a store
// lives in (a key prefix, like kube-apiserver's --etcd-prefix), key values,
// and gRPC errors.
#ifndef SLUICE_CONTROL_STORE_ETCD_CODEC_H_
#define SLUICE_CONTROL_STORE_ETCD_CODEC_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "control/store/store.h"
#include "grpcpp/support/status.h"
#include "kv.pb.h"

namespace sluice::store::etcd {

// Every key of a store is its namespace + the store's key. Several stores (a
// test case each, or several clusters) can share one etcd this way.
class Keyspace {
 public:
  explicit Keyspace(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string Key(absl::string_view key) const { return prefix_ + std::string(key); }
  // The etcd range [first, end) of the store's keys that start with `prefix`;
  // etcd's "\0" end means "every key from first on".
  std::pair<std::string, std::string> PrefixRange(absl::string_view prefix) const;
  // The store's KeyValue of an etcd one in this key space.
  KeyValue FromEtcd(const mvccpb::KeyValue& kv) const;

 private:
  std::string prefix_;
};

// etcd's "required revision has been compacted" (gRPC OutOfRange).
bool IsEtcdCompacted(const grpc::Status& status);
// etcd's "required revision is a future revision" (gRPC OutOfRange too).
bool IsEtcdFutureRevision(const grpc::Status& status);

// A gRPC error as an absl::Status of the same code, with what was being done.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what);

}  // namespace sluice::store::etcd

#endif  // SLUICE_CONTROL_STORE_ETCD_CODEC_H_
