// The agent reads the kubeconfigs `sluice server` writes and refuses, naming
// the field, what it cannot use.
#include "control/agent/kubeconfig.h"

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"

namespace sluice::agent {
namespace {

const std::string kCaData = absl::Base64Escape("-----BEGIN CERTIFICATE-----\nCA\n");

std::string Config(const std::string& server = "https://127.0.0.1:6443",
                   const std::string& cluster_extra = "", const std::string& user = "token: t0k") {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: sluice\n  cluster:\n    server: " +
         server + "\n    certificate-authority-data: " + kCaData + "\n" + cluster_extra +
         "users:\n- name: node\n  user:\n    " + user +
         "\ncontexts:\n- name: sluice\n  context: {cluster: sluice, user: node}\n"
         "current-context: sluice\n";
}

TEST(KubeconfigTest, ReadsServerCaAndToken) {
  auto e = ParseKubeconfig(Config(), "kc");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->server, "https://127.0.0.1:6443");
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "6443");
  EXPECT_EQ(e->ca_pem, "-----BEGIN CERTIFICATE-----\nCA\n");
  EXPECT_EQ(e->token, "t0k");
}

TEST(KubeconfigTest, ReadsIpv6AndDefaultPort) {
  auto e = ParseKubeconfig(Config("https://[fd00::1]:8443"), "kc");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "fd00::1");
  EXPECT_EQ(e->port, "8443");
  e = ParseKubeconfig(Config("https://api.example/"), "kc");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "api.example");
  EXPECT_EQ(e->port, "443");
}

TEST(KubeconfigTest, ReadsTokenFile) {
  std::string path = ::testing::TempDir() + "kubeconfig_test.token";
  std::ofstream(path) << "from-file\n";
  auto e = ParseKubeconfig(Config("https://127.0.0.1:6443", "", "tokenFile: " + path), "kc");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->token, "from-file");
}

TEST(KubeconfigTest, PicksTheCurrentContext) {
  std::string text =
      absl::StrReplaceAll(Config(), {{"clusters:\n",
                                      "clusters:\n- name: other\n  cluster: {server: "
                                      "'https://10.0.0.1:1'}\n"}});
  auto e = ParseKubeconfig(text, "kc");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, "6443");
}

TEST(KubeconfigTest, RejectsWhatTheAgentCannotUse) {
  struct Case {
    std::string text, error;
  };
  for (const Case& c : std::vector<Case>{
           {Config("http://127.0.0.1:8080"),
            "kc: cluster.server: \"http://127.0.0.1:8080\" is not"},
           {Config("https://127.0.0.1:6443", "    insecure-skip-tls-verify: true\n"),
            "cluster.insecure-skip-tls-verify"},
           {absl::StrReplaceAll(Config(), {{"certificate-authority-data", "x-ca"}}),
            "cluster.certificate-authority-data: required"},
           {Config("https://127.0.0.1:6443", "", "client-certificate-data: AAAA"),
            "user.client-certificate-data: not supported"},
           {Config("https://127.0.0.1:6443", "", "exec: {command: x}"), "user.exec: not supported"},
           {absl::StrReplaceAll(Config(), {{"user: node}", "user: nobody}"}}),
            "users: no entry named \"nobody\""},
           {"[1, 2]", "kc: not a kubeconfig"},
           {"a: [", "kc: not YAML"},
       }) {
    auto e = ParseKubeconfig(c.text, "kc");
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_TRUE(absl::IsInvalidArgument(e.status()));
    EXPECT_NE(e.status().message().find(c.error), std::string::npos) << e.status();
  }
  EXPECT_TRUE(absl::IsNotFound(LoadKubeconfig("/nonexistent/kubeconfig").status()));
}

}  // namespace
}  // namespace sluice::agent
