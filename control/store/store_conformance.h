// The conformance suite every Store backend passes: one parameterized fixture,
// its cases in store_conformance_*.cc, and one INSTANTIATE line per backend in
// store_conformance_test.cc.
//
// A case may assume that its store starts with no keys, and nothing about
// revision numbers but their order: a backend may share its revision counter
// with other users (an etcd cluster does).
#ifndef SLUICE_CONTROL_STORE_STORE_CONFORMANCE_H_
#define SLUICE_CONTROL_STORE_STORE_CONFORMANCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "control/store/store.h"
#include "control/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::store {

struct StoreFactory {
  std::string name;  // the test name's suffix
  // Opens the store whose data lives in `scratch_dir` (a new directory for each
  // case, removed after it): a store with no keys the first time, the same data
  // when called again after that store was destroyed.
  std::function<absl::StatusOr<StorePtr>(const std::string& scratch_dir)> make;
};

void PrintTo(const StoreFactory& factory, std::ostream* os);

class StoreConformanceTest : public testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Another store on the same backend and data as store_ (the first one closed
  // first), for the cases about what survives a restart.
  void Reopen();

  // Each fails the test (and returns a zero value) on an error.
  int64_t MustCreate(absl::string_view key, absl::string_view value);
  KeyValue MustGet(absl::string_view key);
  WriteResult MustUpdate(absl::string_view key, absl::string_view value, int64_t expected);
  int64_t MustCurrentRevision();
  WatchStreamPtr MustWatch(absl::string_view prefix, int64_t after_revision);
  // Expects `key` to have no value at `revision`.
  void ExpectMissing(absl::string_view key, int64_t revision);

  std::string scratch_dir_;
  StorePtr store_;
};

}  // namespace sluice::store

#endif  // SLUICE_CONTROL_STORE_STORE_CONFORMANCE_H_
