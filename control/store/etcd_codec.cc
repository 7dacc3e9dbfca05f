#include "control/store/etcd_codec.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sluice::store::etcd {
namespace {

// etcd has no empty key; "\0" as a range's start or end means "unbounded".
constexpr absl::string_view kUnbounded("\0", 1);

}  // namespace

std::pair<std::string, std::string> Keyspace::PrefixRange(absl::string_view prefix) const {
  std::string first = Key(prefix);
  std::string end = PrefixEnd(first);
  if (first.empty()) first = std::string(kUnbounded);
  if (end.empty()) end = std::string(kUnbounded);
  return {std::move(first), std::move(end)};
}

KeyValue Keyspace::FromEtcd(const mvccpb::KeyValue& kv) const {
  // etcd returns only keys in the ranges we asked for, all under prefix_.
  absl::string_view key = kv.key();
  key.remove_prefix(std::min(prefix_.size(), key.size()));
  return KeyValue{.key = std::string(key),
                  .value = kv.value(),
                  .create_revision = kv.create_revision(),
                  .mod_revision = kv.mod_revision(),
                  .version = kv.version()};
}

// etcd's gRPC errors are told apart by their messages (rpctypes in etcd's
// api/v3rpc): both of these are OutOfRange.
bool IsEtcdCompacted(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
         absl::StrContains(status.error_message(), "has been compacted");
}

bool IsEtcdFutureRevision(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
         absl::StrContains(status.error_message(), "future revision");
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share their numbers (both are
  // google.rpc.Code).
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("etcd ", what, ": ", status.error_message()));
}

}  // namespace sluice::store::etcd
