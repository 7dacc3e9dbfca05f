// The backends the conformance suite runs against: one INSTANTIATE line each.
#include <string>

#include "control/store/sqlite_store.h"
#include "control/store/store_conformance.h"

namespace sluice::store {
namespace {

absl::StatusOr<StorePtr> OpenSqliteStore(const std::string& scratch_dir) {
  return SqliteStore::Open(scratch_dir + "/store.db");
}

std::string BackendName(const testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         testing::Values(StoreFactory{"Sqlite", OpenSqliteStore}), BackendName);

}  // namespace
}  // namespace sluice::store
