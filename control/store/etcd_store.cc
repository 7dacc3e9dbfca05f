#include "control/store/etcd_store.h"

#include <arpa/inet.h>

#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "control/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace sluice::store {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::TxnRequest;
using etcdserverpb::TxnResponse;

// How long finding out the compacted revision may take: etcd tells a watch
// from before it within one of its sync rounds (100 ms).
constexpr absl::Duration kCompactedProbeTimeout = absl::Seconds(3);

bool IsIpv4(absl::string_view host) {
  in_addr address;
  return inet_pton(AF_INET, std::string(host).c_str(), &address) == 1;
}

// gRPC's target for the endpoints: a name is resolved by DNS; several
// endpoints must be addresses, which gRPC's ipv4:/ipv6: schemes take as a
// list and fail over between.
absl::StatusOr<std::string> ChannelTarget(const std::vector<std::string>& endpoints) {
  if (endpoints.empty()) return absl::InvalidArgumentError("etcd: no endpoints");
  if (endpoints.size() == 1) return absl::StrCat("dns:///", endpoints[0]);
  bool v4 = true, v6 = true;
  for (const std::string& endpoint : endpoints) {
    absl::string_view host = endpoint.substr(0, endpoint.rfind(':'));
    v4 = v4 && IsIpv4(host);
    v6 = v6 && absl::StartsWith(host, "[");
  }
  if (!v4 && !v6) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd: several endpoints must all be IPv4 or all [IPv6] addresses, got ",
                     absl::StrJoin(endpoints, ",")));
  }
  return absl::StrCat(v4 ? "ipv4:" : "ipv6:", absl::StrJoin(endpoints, ","));
}

// One channel per target for the life of the process, shared by its stores.
// gRPC 1.51 (Debian's) serves callback calls (our watches) from a completion
// queue that it shuts down when the last channel that used it goes; making a
// channel again soon after trips a reference-count assertion in its polling
// thread (abort). Channels that never go keep that queue for good.
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty())
    return absl::InvalidArgumentError(absl::StrCat("etcd TLS: cannot read the ", what, " ", path));
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const EtcdTls& tls) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  if (tls.cert_file.empty() != tls.key_file.empty())
    return absl::InvalidArgumentError("etcd TLS: a client certificate needs its key, and back");
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    SLUICE_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(tls.ca_file, "CA file"));
  }
  if (!tls.cert_file.empty()) {
    SLUICE_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(tls.cert_file, "certificate file"));
    SLUICE_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(tls.key_file, "key file"));
  }
  return grpc::SslCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> SharedChannel(const std::string& target,
                                                             const EtcdTls& tls) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* channels = new std::map<std::string, std::shared_ptr<grpc::Channel>>();
  absl::MutexLock lock(&mu);
  std::string id = tls.enabled ? absl::StrCat(target, " tls ", tls.ca_file, ",", tls.cert_file, ",",
                                              tls.key_file)
                               : target;
  std::shared_ptr<grpc::Channel>& channel = (*channels)[id];
  if (channel == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                            Credentials(tls));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);  // a List or a watch response can be large
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel = grpc::CreateCustomChannel(target, credentials, args);
  }
  return channel;
}

Compare ModRevisionIs(std::string key, int64_t mod_revision) {
  Compare compare;
  compare.set_result(Compare::EQUAL);
  compare.set_target(Compare::MOD);
  compare.set_key(std::move(key));
  compare.set_mod_revision(mod_revision);
  return compare;
}

std::optional<KeyValue> FirstKv(const etcd::Keyspace& keyspace,
                                const google::protobuf::RepeatedPtrField<mvccpb::KeyValue>& kvs) {
  if (kvs.empty()) return std::nullopt;
  return keyspace.FromEtcd(kvs[0]);
}

// A failed comparison's result: the current value the Txn's failure branch
// read (a Range), if the key exists.
WriteResult FailedWrite(const etcd::Keyspace& keyspace, const TxnResponse& response) {
  WriteResult result{.succeeded = false, .revision = response.header().revision()};
  if (response.responses_size() > 0) {
    result.kv = FirstKv(keyspace, response.responses(0).response_range().kvs());
  }
  return result;
}

absl::Status CheckRevision(int64_t revision, absl::string_view what) {
  if (revision < 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " revision must not be negative"));
  }
  return absl::OkStatus();
}

}  // namespace

bool EtcdEndpointsWantTls(absl::string_view text) {
  return absl::StartsWith(text, "etcds://") || absl::StrContains(text, "https://");
}

absl::StatusOr<std::vector<std::string>> ParseEtcdEndpoints(absl::string_view text) {
  absl::string_view list = text;
  if (!absl::ConsumePrefix(&list, "etcd://")) absl::ConsumePrefix(&list, "etcds://");
  std::vector<std::string> endpoints;
  const bool tls = EtcdEndpointsWantTls(text);
  for (absl::string_view endpoint : absl::StrSplit(list, ',')) {
    // One channel has one kind of credentials.
    if (tls && absl::StartsWith(endpoint, "http://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoints \"", text, "\": all must use TLS or none"));
    }
    if (!absl::ConsumePrefix(&endpoint, "https://")) absl::ConsumePrefix(&endpoint, "http://");
    size_t colon = endpoint.rfind(':');
    uint32_t port = 0;
    if (colon == absl::string_view::npos || colon == 0 ||
        !absl::SimpleAtoi(endpoint.substr(colon + 1), &port) || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint \"", endpoint, "\" in \"", text, "\": expected host:port"));
    }
    endpoints.emplace_back(endpoint);
  }
  return endpoints;
}

absl::StatusOr<std::unique_ptr<EtcdStore>> EtcdStore::Open(const EtcdStoreOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::string target, ChannelTarget(options.endpoints));
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                          SharedChannel(target, options.tls));
  std::unique_ptr<EtcdStore> store(new EtcdStore(options, std::move(channel)));
  if (absl::StatusOr<int64_t> revision = store->CurrentRevision(); !revision.ok()) {
    return absl::Status(revision.status().code(),
                        absl::StrCat("etcd at ", absl::StrJoin(options.endpoints, ","),
                                     " does not answer: ", revision.status().message()));
  }
  return store;
}

EtcdStore::EtcdStore(const EtcdStoreOptions& options, std::shared_ptr<grpc::Channel> channel)
    : keyspace_(options.key_prefix),
      request_timeout_(options.request_timeout),
      channel_(std::move(channel)),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      watch_(etcdserverpb::Watch::NewStub(channel_)) {}

EtcdStore::~EtcdStore() {
  watches_.CancelAll();
}

std::unique_ptr<grpc::ClientContext> EtcdStore::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  // Wait for a connection (etcd restarting, a leader election) rather than
  // failing at once; the deadline bounds it.
  context->set_wait_for_ready(true);
  context->set_deadline(absl::ToChronoTime(absl::Now() + request_timeout_));
  return context;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdStore::Range(RangeRequest request) {
  etcdserverpb::RangeResponse response;
  grpc::Status status = kv_->Range(NewContext().get(), request, &response);
  if (!status.ok()) return RevisionError(status, request.revision(), "Range");
  return response;
}

absl::StatusOr<TxnResponse> EtcdStore::Txn(const TxnRequest& request) {
  TxnResponse response;
  grpc::Status status = kv_->Txn(NewContext().get(), request, &response);
  if (!status.ok()) return etcd::FromGrpc(status, "Txn");
  return response;
}

absl::Status EtcdStore::RevisionError(const grpc::Status& status, int64_t revision,
                                      absl::string_view what) {
  if (etcd::IsEtcdCompacted(status)) return CompactedError(revision, CompactedRevisionNow());
  if (etcd::IsEtcdFutureRevision(status)) {
    absl::StatusOr<int64_t> current = CurrentRevision();
    return FutureRevisionError(revision, current.value_or(0));
  }
  return etcd::FromGrpc(status, what);
}

int64_t EtcdStore::CompactedRevisionNow() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCompactedProbeTimeout));
  auto stream = watch_->Watch(&context);
  // One key: etcd checks the start revision against compaction whatever the
  // range, and a single key keeps history from flooding in if it does not.
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key(keyspace_.PrefixRange("").first);
  request.mutable_create_request()->set_start_revision(1);
  int64_t compacted = 0;
  if (stream->Write(request)) {
    etcdserverpb::WatchResponse response;
    while (compacted == 0 && stream->Read(&response)) {
      compacted = response.compact_revision();
      if (response.canceled()) break;
    }
  }
  context.TryCancel();
  stream->Finish().IgnoreError();
  return compacted;
}

absl::StatusOr<int64_t> EtcdStore::Create(absl::string_view key, absl::string_view value) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  // Create-only: etcd's mod_revision of a missing key is 0.
  TxnRequest request;
  *request.add_compare() = ModRevisionIs(keyspace_.Key(key), 0);
  etcdserverpb::PutRequest& put = *request.add_success()->mutable_request_put();
  put.set_key(keyspace_.Key(key));
  put.set_value(std::string(value));
  SLUICE_ASSIGN_OR_RETURN(TxnResponse response, Txn(request));
  if (!response.succeeded()) {
    return absl::AlreadyExistsError(absl::StrCat("key \"", key, "\" exists"));
  }
  return response.header().revision();
}

absl::StatusOr<std::optional<KeyValue>> EtcdStore::Get(absl::string_view key, int64_t revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  SLUICE_RETURN_IF_ERROR(CheckRevision(revision, "read"));
  RangeRequest request;
  request.set_key(keyspace_.Key(key));
  request.set_revision(revision);
  SLUICE_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response, Range(std::move(request)));
  return FirstKv(keyspace_, response.kvs());
}

absl::StatusOr<ListResult> EtcdStore::List(const ListOptions& options) {
  SLUICE_RETURN_IF_ERROR(CheckRevision(options.revision, "list"));
  if (options.limit < 0) return absl::InvalidArgumentError("list limit must not be negative");
  auto [first, end] = keyspace_.PrefixRange(options.prefix);
  if (!options.start_after.empty()) {
    // The smallest key after start_after is start_after + "\0".
    std::string after = keyspace_.Key(options.start_after) + std::string(1, '\0');
    if (after > first) first = std::move(after);
  }
  RangeRequest request;
  request.set_key(std::move(first));
  request.set_range_end(std::move(end));
  request.set_limit(options.limit);
  request.set_revision(options.revision);
  SLUICE_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response, Range(std::move(request)));
  ListResult result{
      .revision = options.revision != kLatest ? options.revision : response.header().revision(),
      .more = response.more()};
  result.kvs.reserve(response.kvs_size());
  for (const mvccpb::KeyValue& kv : response.kvs()) result.kvs.push_back(keyspace_.FromEtcd(kv));
  return result;
}

absl::StatusOr<WriteResult> EtcdStore::Update(absl::string_view key, absl::string_view value,
                                              int64_t expected_mod_revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_mod_revision <= 0) {
    return absl::InvalidArgumentError("update needs the expected mod revision (> 0)");
  }
  TxnRequest request;
  *request.add_compare() = ModRevisionIs(keyspace_.Key(key), expected_mod_revision);
  etcdserverpb::PutRequest& put = *request.add_success()->mutable_request_put();
  put.set_key(keyspace_.Key(key));
  put.set_value(std::string(value));
  put.set_prev_kv(true);  // for the new version's create_revision and version
  request.add_failure()->mutable_request_range()->set_key(keyspace_.Key(key));
  SLUICE_ASSIGN_OR_RETURN(TxnResponse response, Txn(request));
  if (!response.succeeded()) return FailedWrite(keyspace_, response);
  const mvccpb::KeyValue& prev = response.responses(0).response_put().prev_kv();
  const int64_t revision = response.header().revision();
  return WriteResult{.succeeded = true,
                     .kv = KeyValue{.key = std::string(key),
                                    .value = std::string(value),
                                    .create_revision = prev.create_revision(),
                                    .mod_revision = revision,
                                    .version = prev.version() + 1},
                     .revision = revision};
}

absl::StatusOr<WriteResult> EtcdStore::Delete(absl::string_view key,
                                              int64_t expected_mod_revision) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_mod_revision < 0) {
    return absl::InvalidArgumentError("expected mod revision must not be negative");
  }
  TxnRequest request;
  if (expected_mod_revision != kUnconditional) {
    *request.add_compare() = ModRevisionIs(keyspace_.Key(key), expected_mod_revision);
  }
  etcdserverpb::DeleteRangeRequest& del = *request.add_success()->mutable_request_delete_range();
  del.set_key(keyspace_.Key(key));
  del.set_prev_kv(true);
  request.add_failure()->mutable_request_range()->set_key(keyspace_.Key(key));
  SLUICE_ASSIGN_OR_RETURN(TxnResponse response, Txn(request));
  if (!response.succeeded()) return FailedWrite(keyspace_, response);
  const etcdserverpb::DeleteRangeResponse& deleted = response.responses(0).response_delete_range();
  // Deleting a missing key writes nothing in etcd either.
  return WriteResult{.succeeded = deleted.deleted() > 0,
                     .kv = FirstKv(keyspace_, deleted.prev_kvs()),
                     .revision = response.header().revision()};
}

absl::StatusOr<TxnResult> EtcdStore::Txn(const std::vector<TxnOp>& ops) {
  SLUICE_RETURN_IF_ERROR(ValidateTxn(ops));
  TxnRequest request;
  for (const TxnOp& op : ops) {
    std::string key = keyspace_.Key(op.key);
    if (op.kind == TxnOp::Kind::kDelete && op.expected_mod_revision == kUnconditional) {
      // It must exist: a version above 0.
      Compare& exists = *request.add_compare();
      exists.set_result(Compare::GREATER);
      exists.set_target(Compare::VERSION);
      exists.set_key(key);
      exists.set_version(0);
    } else {
      *request.add_compare() =
          ModRevisionIs(key, op.kind == TxnOp::Kind::kCreate ? 0 : op.expected_mod_revision);
    }
    if (op.kind == TxnOp::Kind::kDelete) {
      etcdserverpb::DeleteRangeRequest& del =
          *request.add_success()->mutable_request_delete_range();
      del.set_key(key);
      del.set_prev_kv(true);
    } else {
      etcdserverpb::PutRequest& put = *request.add_success()->mutable_request_put();
      put.set_key(key);
      put.set_value(op.value);
      put.set_prev_kv(true);
    }
    request.add_failure()->mutable_request_range()->set_key(std::move(key));
  }
  SLUICE_ASSIGN_OR_RETURN(TxnResponse response, Txn(request));
  const int64_t revision = response.header().revision();
  TxnResult result{.succeeded = response.succeeded(), .revision = revision};
  for (size_t i = 0; i < ops.size(); ++i) {
    const TxnOp& op = ops[i];
    const etcdserverpb::ResponseOp& one = response.responses(static_cast<int>(i));
    if (!response.succeeded()) {
      std::optional<KeyValue> current = FirstKv(keyspace_, one.response_range().kvs());
      bool holds = TxnConditionHolds(op, current);
      result.results.push_back(
          WriteResult{.succeeded = holds, .kv = std::move(current), .revision = revision});
    } else if (op.kind == TxnOp::Kind::kDelete) {
      result.results.push_back(
          WriteResult{.succeeded = true,
                      .kv = FirstKv(keyspace_, one.response_delete_range().prev_kvs()),
                      .revision = revision});
    } else {
      const mvccpb::KeyValue& prev = one.response_put().prev_kv();
      bool created = op.kind == TxnOp::Kind::kCreate;
      result.results.push_back(
          WriteResult{.succeeded = true,
                      .kv = KeyValue{.key = op.key,
                                     .value = op.value,
                                     .create_revision = created ? revision : prev.create_revision(),
                                     .mod_revision = revision,
                                     .version = created ? 1 : prev.version() + 1},
                      .revision = revision});
    }
  }
  return result;
}

absl::StatusOr<int64_t> EtcdStore::CurrentRevision() {
  // Any read carries the revision in its header; counting one key is cheap.
  RangeRequest request;
  request.set_key(keyspace_.PrefixRange("").first);
  request.set_count_only(true);
  SLUICE_ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response, Range(std::move(request)));
  return response.header().revision();
}

absl::Status EtcdStore::Compact(int64_t revision) {
  if (revision <= 0) return absl::InvalidArgumentError("compaction revision must be positive");
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  etcdserverpb::CompactionResponse response;
  grpc::Status status = kv_->Compact(NewContext().get(), request, &response);
  if (!status.ok()) return RevisionError(status, revision, "Compact");
  return absl::OkStatus();
}

absl::StatusOr<WatchStreamPtr> EtcdStore::Watch(const WatchOptions& options) {
  SLUICE_RETURN_IF_ERROR(CheckRevision(options.after_revision, "watch"));
  int64_t after = options.after_revision;
  if (after == kLatest) {
    // Pinned here, so that every write after Watch() returns is delivered.
    SLUICE_ASSIGN_OR_RETURN(after, CurrentRevision());
  }
  return etcd::EtcdWatchStream::Open(watch_.get(), keyspace_, options, after, request_timeout_,
                                     watches_);
}

}  // namespace sluice::store
