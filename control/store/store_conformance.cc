#include "control/store/store_conformance.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"

namespace sluice::store {

void StoreConformanceTest::SetUp() {
  std::string dir_template = testing::TempDir() + "store_conformance_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr) << "cannot make a scratch directory";
  scratch_dir_ = dir_template;
  absl::StatusOr<StorePtr> store = GetParam().make(scratch_dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  if (!scratch_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  absl::StatusOr<StorePtr> store = GetParam().make(scratch_dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
}

int64_t StoreConformanceTest::MustCreate(absl::string_view key, absl::string_view value) {
  absl::StatusOr<int64_t> revision = store_->Create(key, value);
  EXPECT_TRUE(revision.ok()) << "create " << absl::CHexEscape(key) << ": " << revision.status();
  return revision.value_or(0);
}

KeyValue StoreConformanceTest::MustGet(absl::string_view key) {
  absl::StatusOr<std::optional<KeyValue>> kv = store_->Get(key, kLatest);
  EXPECT_TRUE(kv.ok()) << "get " << absl::CHexEscape(key) << ": " << kv.status();
  if (!kv.ok()) return KeyValue();
  EXPECT_TRUE(kv->has_value()) << "get " << absl::CHexEscape(key) << ": not found";
  return kv->value_or(KeyValue());
}

WriteResult StoreConformanceTest::MustUpdate(absl::string_view key, absl::string_view value,
                                             int64_t expected) {
  absl::StatusOr<WriteResult> result = store_->Update(key, value, expected);
  EXPECT_TRUE(result.ok()) << "update " << absl::CHexEscape(key) << ": " << result.status();
  return result.value_or(WriteResult());
}

int64_t StoreConformanceTest::MustCurrentRevision() {
  absl::StatusOr<int64_t> revision = store_->CurrentRevision();
  EXPECT_TRUE(revision.ok()) << revision.status();
  return revision.value_or(0);
}

WatchStreamPtr StoreConformanceTest::MustWatch(absl::string_view prefix, int64_t after_revision) {
  absl::StatusOr<WatchStreamPtr> stream =
      store_->Watch(WatchOptions{.prefix = std::string(prefix), .after_revision = after_revision});
  EXPECT_TRUE(stream.ok()) << "watch " << absl::CHexEscape(prefix) << ": " << stream.status();
  return stream.ok() ? *std::move(stream) : nullptr;
}

void StoreConformanceTest::ExpectMissing(absl::string_view key, int64_t revision) {
  absl::StatusOr<std::optional<KeyValue>> kv = store_->Get(key, revision);
  ASSERT_TRUE(kv.ok()) << "get " << absl::CHexEscape(key) << ": " << kv.status();
  EXPECT_EQ(*kv, std::nullopt) << absl::CHexEscape(key) << " at revision " << revision;
}

void PrintTo(const StoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

}  // namespace sluice::store
