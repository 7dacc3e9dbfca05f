// etcd is the durable part: a writer process with an EtcdStore gets SIGKILL
// mid-load, etcd itself gets SIGKILL mid-load and after, and every write the
// writer had acknowledged is in etcd when it comes back.
#include <string>

#include "absl/strings/str_cat.h"
#include "control/store/etcd_store.h"
#include "control/store/etcd_test_server.h"
#include "control/store/store_write_load.h"
#include "gtest/gtest.h"

namespace sluice::store {
namespace {

TEST(EtcdDurabilityTest, EveryAcknowledgedWriteSurvivesKill9OfTheWriterAndOfEtcd) {
  absl::StatusOr<std::unique_ptr<EtcdTestServer>> etcd = EtcdTestServer::Start();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  int64_t last_revision = 0;
  for (int round = 0; round < 2; ++round) {
    Acknowledged acknowledged;
    {
      WriteLoad load((*etcd)->url(), absl::StrCat("/load/", round, "/"), 4);
      ASSERT_TRUE(load.WaitFor(300, absl::Seconds(60))) << (*etcd)->LogTail();
      // etcd dies under the load; the writer waits for it and goes on.
      ASSERT_TRUE((*etcd)->Restart().ok());
      size_t before = load.acknowledged().size();
      ASSERT_TRUE(load.WaitFor(before + 300, absl::Seconds(60)))
          << "no writes after etcd came back\n"
          << (*etcd)->LogTail();
      acknowledged = load.Kill();
    }
    ASSERT_TRUE((*etcd)->Restart().ok());
    absl::StatusOr<std::unique_ptr<EtcdStore>> store =
        EtcdStore::Open(EtcdStoreOptions{.endpoints = {(*etcd)->endpoint()}});
    ASSERT_TRUE(store.ok()) << store.status();
    last_revision = ExpectEveryWriteIn(**store, acknowledged, last_revision);
  }
}

}  // namespace
}  // namespace sluice::store
