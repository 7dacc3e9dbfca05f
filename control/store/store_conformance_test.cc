// The backends the conformance suite runs against: one INSTANTIATE line each.
#include <memory>
#include <set>
#include <string>

#include "control/store/etcd_store.h"
#include "control/store/etcd_test_server.h"
#include "control/store/sqlite_store.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

absl::StatusOr<StorePtr> OpenSqliteStore(const std::string& scratch_dir) {
  return SqliteStore::Open(scratch_dir + "/store.db");
}

// One etcd serves every case, each in a key space of its own (its scratch
// directory's name): starting etcd costs about a second. Opening a case's
// store again (the restart cases) kill -9s etcd and starts it again on the
// same data, so that what survives is what etcd made durable.
class SharedEtcd : public testing::Environment {
 public:
  static SharedEtcd* Get() {
    static SharedEtcd* shared =
        static_cast<SharedEtcd*>(testing::AddGlobalTestEnvironment(new SharedEtcd));
    return shared;
  }

  absl::StatusOr<StorePtr> Open(const std::string& scratch_dir) {
    if (server_ == nullptr) {
      absl::StatusOr<std::unique_ptr<EtcdTestServer>> server = EtcdTestServer::Start();
      if (!server.ok()) return server.status();
      server_ = *std::move(server);
    } else if (!opened_.insert(scratch_dir).second) {
      if (absl::Status restarted = server_->Restart(); !restarted.ok()) return restarted;
    }
    opened_.insert(scratch_dir);
    absl::StatusOr<std::unique_ptr<EtcdStore>> store = EtcdStore::Open(
        EtcdStoreOptions{.endpoints = {server_->endpoint()}, .key_prefix = scratch_dir + "/"});
    if (!store.ok()) return store.status();
    return StorePtr(*std::move(store));
  }

  void TearDown() override { server_.reset(); }

 private:
  std::unique_ptr<EtcdTestServer> server_;
  std::set<std::string> opened_;
};

absl::StatusOr<StorePtr> OpenEtcdStore(const std::string& scratch_dir) {
  return SharedEtcd::Get()->Open(scratch_dir);
}

std::string BackendName(const testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         testing::Values(StoreFactory{"Sqlite", OpenSqliteStore},
                                         StoreFactory{"Etcd", OpenEtcdStore}),
                         BackendName);

}  // namespace
}  // namespace sluice::store
