// An acknowledged write survives kill -9: a real process writes under load,
// gets SIGKILL mid-load, and every write it had acknowledged is in the file.
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "control/store/sqlite_store.h"
#include "control/store/store_write_load.h"
#include "gtest/gtest.h"

namespace sluice::store {
namespace {

class SqliteDurabilityTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string dir = testing::TempDir() + "sqlite_durability_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
};

TEST_F(SqliteDurabilityTest, EveryAcknowledgedWriteSurvivesKill9MidLoad) {
  const std::string db = dir_ + "/store.db";
  int64_t last_revision = 0;
  // Three crashes in a row: recovery from one must leave a file that survives
  // the next.
  for (int round = 0; round < 3; ++round) {
    Acknowledged acknowledged;
    {
      WriteLoad load(db, absl::StrCat("/load/", round, "/"), 4);
      ASSERT_TRUE(load.WaitFor(500, absl::Seconds(120))) << "the helper wrote too little";
      acknowledged = load.Kill();
    }
    absl::StatusOr<StorePtr> store = SqliteStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status();
    last_revision = ExpectEveryWriteIn(**store, acknowledged, last_revision);
  }
}

}  // namespace
}  // namespace sluice::store
