// The etcd backend beyond the conformance suite: endpoints, key spaces, and
// several independent clients (several `sluice server`s) on one etcd.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "control/store/etcd_store.h"
#include "control/store/etcd_test_server.h"
#include "control/store/store_open.h"
#include "control/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseEtcdEndpoints, TakesACommaSeparatedListWithOrWithoutSchemes) {
  EXPECT_THAT(*ParseEtcdEndpoints("etcd://127.0.0.1:2379,10.0.0.2:2379"),
              ElementsAre("127.0.0.1:2379", "10.0.0.2:2379"));
  EXPECT_THAT(*ParseEtcdEndpoints("http://etcd.local:2379"), ElementsAre("etcd.local:2379"));
  EXPECT_THAT(*ParseEtcdEndpoints("[::1]:2379"), ElementsAre("[::1]:2379"));
}

TEST(ParseEtcdEndpoints, RejectsWhatIsNotHostColonPort) {
  for (const char* bad : {"etcd://", "etcd://host", "host:0", "host:70000", "host:x", ":2379",
                          "127.0.0.1:2379,", "https://127.0.0.1:2379,http://127.0.0.2:2379"}) {
    absl::StatusOr<std::vector<std::string>> endpoints = ParseEtcdEndpoints(bad);
    EXPECT_EQ(endpoints.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseEtcdEndpoints, EtcdsAndHttpsAskForTls) {
  EXPECT_THAT(*ParseEtcdEndpoints("etcds://127.0.0.1:2379,10.0.0.2:2379"),
              ElementsAre("127.0.0.1:2379", "10.0.0.2:2379"));
  EXPECT_THAT(*ParseEtcdEndpoints("https://etcd.local:2379"), ElementsAre("etcd.local:2379"));
  EXPECT_TRUE(EtcdEndpointsWantTls("etcds://127.0.0.1:2379"));
  EXPECT_TRUE(EtcdEndpointsWantTls("https://etcd.local:2379"));
  EXPECT_FALSE(EtcdEndpointsWantTls("etcd://127.0.0.1:2379"));
}

TEST(EtcdStoreTls, WorksWithMutualTlsAndIsRefusedWithoutTheClientCertificateOrTheCa) {
  absl::StatusOr<std::unique_ptr<EtcdTestServer>> etcd = EtcdTestServer::StartWithTls();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  const EtcdTls tls = (*etcd)->client_tls();
  absl::StatusOr<StorePtr> store = OpenStore((*etcd)->url(), "/tls-test", tls);
  ASSERT_TRUE(store.ok()) << store.status();
  WatchStreamPtr watch = *(*store)->Watch({.prefix = "/k"});
  ASSERT_TRUE((*store)->Create("/k", "over TLS").ok());
  EXPECT_EQ((*(*store)->Get("/k", kLatest))->value, "over TLS");
  EXPECT_EQ(NextEvents(*watch, 1).size(), 1u);

  auto open = [&](EtcdTls with) {
    return EtcdStore::Open(EtcdStoreOptions{.endpoints = {(*etcd)->endpoint()},
                                            .tls = with,
                                            .request_timeout = absl::Milliseconds(500)});
  };
  EXPECT_FALSE(open({.enabled = true, .ca_file = tls.ca_file}).ok()) << "no client certificate";
  EXPECT_FALSE(open({.enabled = true, .cert_file = tls.cert_file, .key_file = tls.key_file}).ok())
      << "the system's roots do not know the test CA";
  EXPECT_FALSE(open({}).ok()) << "plain HTTP/2 to a TLS port";
  absl::StatusOr<std::unique_ptr<EtcdStore>> missing =
      open({.enabled = true, .ca_file = "/nonexistent/ca.crt"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/ca.crt"));
}

TEST(EtcdStoreOpen, FailsClearlyWhenNoEtcdAnswers) {
  // A port that was free a moment ago: nothing listens there.
  absl::StatusOr<std::unique_ptr<EtcdTestServer>> etcd = EtcdTestServer::Start();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  std::string endpoint = (*etcd)->endpoint();
  etcd->reset();
  absl::StatusOr<std::unique_ptr<EtcdStore>> store = EtcdStore::Open(
      EtcdStoreOptions{.endpoints = {endpoint}, .request_timeout = absl::Milliseconds(500)});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(endpoint));
}

TEST(EtcdStoreOpen, SeveralEndpointsMustBeAddresses) {
  absl::StatusOr<std::unique_ptr<EtcdStore>> store =
      EtcdStore::Open(EtcdStoreOptions{.endpoints = {"etcd-a:2379", "etcd-b:2379"}});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << store.status();
}

class EtcdStoreTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<EtcdTestServer>> etcd = EtcdTestServer::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = etcd->release();
  }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }

  // A client of its own, as another process would have, in the test's key space.
  std::unique_ptr<EtcdStore> Client(const std::string& space = "") {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    absl::StatusOr<std::unique_ptr<EtcdStore>> store = EtcdStore::Open(
        EtcdStoreOptions{.endpoints = {etcd_->endpoint()},
                         .key_prefix = absl::StrCat("/", test->name(), "/", space)});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static EtcdTestServer* etcd_;
};

EtcdTestServer* EtcdStoreTest::etcd_ = nullptr;

TEST_F(EtcdStoreTest, ClientsSeeEachOthersWritesAndWatches) {
  std::unique_ptr<EtcdStore> a = Client(), b = Client();
  ASSERT_TRUE(a && b);
  absl::StatusOr<WatchStreamPtr> watch = a->Watch(WatchOptions{.prefix = "/x/"});
  ASSERT_TRUE(watch.ok()) << watch.status();
  absl::StatusOr<int64_t> created = b->Create("/x/1", "from b");
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<std::optional<KeyValue>> seen = a->Get("/x/1", kLatest);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->value, "from b");
  // a writes at the revision it read; b's stale write then loses.
  absl::StatusOr<WriteResult> by_a = a->Update("/x/1", "from a", *created);
  ASSERT_TRUE(by_a.ok() && by_a->succeeded);
  absl::StatusOr<WriteResult> by_b = b->Update("/x/1", "stale", *created);
  ASSERT_TRUE(by_b.ok());
  EXPECT_FALSE(by_b->succeeded);
  EXPECT_EQ(by_b->kv->value, "from a");
  std::vector<Event> events = NextEvents(**watch, 2);
  EXPECT_THAT(Revisions(events), ElementsAre(*created, by_a->revision));
  EXPECT_EQ(*b->CurrentRevision(), *a->CurrentRevision());
}

TEST_F(EtcdStoreTest, ClosingTheStoreCancelsItsStreams) {
  std::unique_ptr<EtcdStore> store = Client();
  ASSERT_TRUE(store);
  absl::StatusOr<WatchStreamPtr> stream = store->Watch(WatchOptions{});
  ASSERT_TRUE(stream.ok()) << stream.status();
  store.reset();
  EXPECT_EQ((*stream)->Next(absl::Seconds(5)).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(EtcdStoreTest, KeyPrefixesKeepStoresApart) {
  std::unique_ptr<EtcdStore> a = Client("a/"), b = Client("b/");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Create("/k", "in a").ok());
  ASSERT_TRUE(b->Create("/k", "in b").ok()) << "the same key in another key space";
  absl::StatusOr<ListResult> list = b->List(ListOptions{});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(Keys(list->kvs), ElementsAre("/k"));
  EXPECT_EQ(list->kvs[0].value, "in b");
}

TEST_F(EtcdStoreTest, OpenStoreTakesAnEtcdUrl) {
  absl::StatusOr<StorePtr> store = OpenStore(etcd_->url(), "/OpenStoreTakesAnEtcdUrl/");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Create("/k", "v").ok());
}

TEST_F(EtcdStoreTest, SeveralEndpointsFailOverToOneThatAnswers) {
  // The first address has no etcd: the client moves on to the second.
  absl::StatusOr<StorePtr> store =
      OpenStore(absl::StrCat("etcd://127.0.0.1:1,", etcd_->endpoint()), "/failover/");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Create("/k", "v").ok());
}

TEST_F(EtcdStoreTest, AWatchFailsWhenEtcdGoesAndOneOpenedWhileItIsDownWaitsForIt) {
  std::unique_ptr<EtcdStore> store = Client();
  ASSERT_TRUE(store);
  absl::StatusOr<int64_t> first = store->Create("/w/1", "v");
  ASSERT_TRUE(first.ok());
  absl::StatusOr<WatchStreamPtr> watch = store->Watch(WatchOptions{.after_revision = *first - 1});
  ASSERT_TRUE(watch.ok()) << watch.status();
  std::vector<Event> events = NextEvents(**watch, 1);
  ASSERT_THAT(Revisions(events), ElementsAre(*first));
  etcd_->Kill();
  absl::StatusOr<WatchResponse> broken = (*watch)->Next(absl::Seconds(10));
  EXPECT_FALSE(broken.ok()) << "a watch must not go quiet when its etcd is gone";
  EXPECT_FALSE((*watch)->Next(absl::ZeroDuration()).ok()) << "the failure sticks";
  // A watch opened while etcd is down waits for it to come back.
  absl::StatusOr<WatchStreamPtr> resumed = absl::UnknownError("not opened");
  std::thread opener([&] { resumed = store->Watch(WatchOptions{.after_revision = *first}); });
  absl::SleepFor(absl::Milliseconds(500));  // connection attempts fail meanwhile
  ASSERT_TRUE(etcd_->Restart().ok());
  opener.join();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  absl::StatusOr<int64_t> second = store->Create("/w/2", "v");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Revisions(NextEvents(**resumed, 1)), ElementsAre(*second));
}

}  // namespace
}  // namespace sluice::store
