// The CA and serving certificate: what they carry, that a TLS client trusts
// them for each name, and that a restart reuses them.
#include "control/apiserver/pki.h"

#include <sys/stat.h>

#include "control/apiserver/apiserver_test_util.h"
#include "control/apiserver/files.h"
#include "control/apiserver/http_server.h"
#include "control/apiserver/https_test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

using ::testing::IsSupersetOf;

class PkiTest : public ::testing::Test {
 protected:
  TempDir temp_;
  const std::string& dir_ = temp_.path();
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(PkiTest, ServingCertificateCarriesEveryNameCanonically) {
  auto ca = CreateCa("test-ca", now_);
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto cert = IssueServingCert(*ca, "kube-apiserver", {"127.0.0.1", "0:0::1", "kubernetes"}, now_);
  ASSERT_TRUE(cert.ok()) << cert.status();
  auto sans = CertificateSans(cert->cert_pem);
  ASSERT_TRUE(sans.ok());
  EXPECT_EQ(*sans, (std::vector<std::string>{"127.0.0.1", "::1", "kubernetes"}));
  auto until = CertificateNotAfter(cert->cert_pem);
  ASSERT_TRUE(until.ok());
  EXPECT_EQ(*until, now_ + absl::Hours(24 * 365));
}

TEST_F(PkiTest, ATlsClientTrustsTheServerForEachNameAndNoOther) {
  auto pki = LoadOrCreatePki(dir_, {"127.0.0.1", "::1", "kubernetes.default.svc", "10.96.0.1"},
                             absl::Now());
  ASSERT_TRUE(pki.ok()) << pki.status();
  auto server = HttpServer::Start(
      "127.0.0.1", 0, [](const HttpRequest&) { return HttpResponse{.body = "{}"}; },
      TlsCredentials{pki->serving.cert_pem, pki->serving.key_pem});
  ASSERT_TRUE(server.ok()) << server.status();
  uint16_t port = (*server)->port();
  for (const char* name : {"127.0.0.1", "::1", "kubernetes.default.svc", "10.96.0.1"}) {
    auto reply = HttpsRequest(port, pki->ca.cert_pem, name, {.target = "/"});
    ASSERT_TRUE(reply.ok()) << name << ": " << reply.status();
    EXPECT_EQ(reply->status, 200);
  }
  EXPECT_FALSE(HttpsRequest(port, pki->ca.cert_pem, "example.com", {.target = "/"}).ok());
  auto other_ca = CreateCa("other", absl::Now());
  ASSERT_TRUE(other_ca.ok());
  EXPECT_FALSE(HttpsRequest(port, other_ca->cert_pem, "127.0.0.1", {.target = "/"}).ok());
}

TEST_F(PkiTest, RestartReusesTheFilesWhichOnlyTheOwnerCanRead) {
  auto first = LoadOrCreatePki(dir_, {"127.0.0.1", "localhost"}, now_);
  ASSERT_TRUE(first.ok()) << first.status();
  for (const char* file : {"ca.key", "ca.crt", "apiserver.key", "apiserver.crt"}) {
    struct stat st;
    ASSERT_EQ(stat((dir_ + "/" + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  auto second = LoadOrCreatePki(dir_, {"localhost"}, now_ + absl::Hours(1));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->ca.cert_pem, first->ca.cert_pem);
  EXPECT_EQ(second->serving.cert_pem, first->serving.cert_pem);
  EXPECT_EQ(second->serving.key_pem, first->serving.key_pem);
}

TEST_F(PkiTest, ANewNameReissuesTheServingCertificateUnderTheSameCa) {
  auto first = LoadOrCreatePki(dir_, {"127.0.0.1"}, now_);
  ASSERT_TRUE(first.ok());
  auto second = LoadOrCreatePki(dir_, {"127.0.0.1", "192.0.2.7"}, now_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->ca.cert_pem, first->ca.cert_pem);
  EXPECT_NE(second->serving.cert_pem, first->serving.cert_pem);
  auto sans = CertificateSans(second->serving.cert_pem);
  ASSERT_TRUE(sans.ok());
  EXPECT_THAT(*sans, IsSupersetOf({"127.0.0.1", "192.0.2.7"}));
}

TEST_F(PkiTest, ACertificateNearItsEndIsReissued) {
  auto first = LoadOrCreatePki(dir_, {"127.0.0.1"}, now_);
  ASSERT_TRUE(first.ok());
  auto later = LoadOrCreatePki(dir_, {"127.0.0.1"}, now_ + absl::Hours(24 * 300));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->ca.cert_pem, first->ca.cert_pem);
  EXPECT_NE(later->serving.cert_pem, first->serving.cert_pem);
}

TEST_F(PkiTest, ADamagedCaIsAnErrorNotAReplacement) {
  ASSERT_TRUE(LoadOrCreatePki(dir_, {"127.0.0.1"}, now_).ok());
  ASSERT_TRUE(WritePrivateFile(dir_ + "/ca.crt", "not a certificate").ok());
  auto again = LoadOrCreatePki(dir_, {"127.0.0.1"}, now_);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadFileToString(dir_ + "/ca.crt"), "not a certificate");
}

TEST(Tokens, RandomHexIsFreshEachTime) {
  auto a = RandomHex(32);
  auto b = RandomHex(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
}

TEST(Tokens, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace sluice::apiserver
