// The real kubectl against `sluice server` over HTTPS: namespaces, Services,
// ConfigMaps and EndpointSlices (create, apply, patch, watch, delete), and
// what authentication and authorization answer to kubectl and curl.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kShop[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {app: web}
  clusterIP: 10.96.0.10
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports:
- name: http
  port: 8080
endpoints:
- addresses: ["10.1.0.5"]
  conditions: {ready: true}
)";

TEST_F(KubectlTest, CreateFromYamlThenGetAsTableJsonAndYaml) {
  std::string file = File("shop.yaml", kShop);
  Result created = Kubectl("create -f " + file);
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("namespace/shop created"));
  EXPECT_THAT(created.output, HasSubstr("service/web created"));
  EXPECT_THAT(created.output, HasSubstr("endpointslice.discovery.k8s.io/web-abc created"));

  Result table = Kubectl("get svc -n shop");
  ASSERT_EQ(table.code, 0) << table.output;
  EXPECT_THAT(table.output, ::testing::MatchesRegex(
                                "NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE\n"
                                "web +ClusterIP +10\\.96\\.0\\.10 +<none> +80/TCP +[0-9]+s\n"));
  Result wide = Kubectl("get svc web -n shop -o wide");
  EXPECT_THAT(wide.output, HasSubstr("SELECTOR"));
  EXPECT_THAT(wide.output, HasSubstr("app=web"));
  Result slices = Kubectl("get endpointslices -n shop");
  ASSERT_EQ(slices.code, 0) << slices.output;
  EXPECT_THAT(slices.output, ::testing::ContainsRegex("web-abc +IPv4 +8080 +10\\.1\\.0\\.5"));
  Result namespaces = Kubectl("get ns");
  EXPECT_THAT(namespaces.output, ::testing::ContainsRegex("shop +Active"));

  Result as_json = Kubectl("get svc web -n shop -o json");
  ASSERT_EQ(as_json.code, 0) << as_json.output;
  json svc = json::parse(as_json.output, nullptr, false);
  ASSERT_FALSE(svc.is_discarded()) << as_json.output;
  EXPECT_EQ(svc["spec"]["clusterIP"], "10.96.0.10");
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(svc["metadata"]["uid"].get<std::string>().size(), 36u);
  Result as_yaml = Kubectl("get svc web -n shop -o yaml");
  EXPECT_THAT(as_yaml.output, HasSubstr("clusterIP: 10.96.0.10"));
  EXPECT_THAT(as_yaml.output, HasSubstr("kind: Service"));

  Result again = Kubectl("create -f " + file);
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.output, HasSubstr("AlreadyExists"));
}

TEST_F(KubectlTest, ApplyCreatesThenConfiguresThenLeavesUnchanged) {
  ASSERT_EQ(
      Kubectl("create namespace apply-ns --dry-run=client -o yaml > " + *dir_ + "/ns.yaml").code,
      0);
  ASSERT_EQ(Kubectl("create -f " + *dir_ + "/ns.yaml").code, 0);
  std::string svc = R"(apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: apply-ns
spec:
  selector: {app: api}
  ports:
  - port: 80
    targetPort: 8080
)";
  std::string file = File("api.yaml", svc);
  Result first = Kubectl("apply -f " + file);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("service/api created"));
  File("api.yaml", std::regex_replace(svc, std::regex("8080"), "9090"));
  Result second = Kubectl("apply -f " + file);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("service/api configured"));
  Result port = Kubectl("get svc api -n apply-ns -o jsonpath={.spec.ports[0].targetPort}");
  EXPECT_EQ(port.output, "9090");
  Result third = Kubectl("apply -f " + file);
  EXPECT_THAT(third.output, HasSubstr("service/api unchanged"));
  Result ip = Kubectl("get svc api -n apply-ns -o jsonpath={.spec.clusterIP}");
  EXPECT_THAT(ip.output, ::testing::StartsWith("10.96."));
}

TEST_F(KubectlTest, MergePatchThenSelectByTheNewLabelThenDelete) {
  std::string file = File("cfg.yaml",
                          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
                          "data:\n  a: \"1\"\n");
  ASSERT_EQ(Kubectl("create -f " + file).code, 0);
  Result patched = Kubectl(
      R"(patch configmap cfg --type merge -p '{"metadata":{"labels":{"tier":"gold"}},"data":{"b":"2"}}')");
  ASSERT_EQ(patched.code, 0) << patched.output;
  EXPECT_THAT(patched.output, HasSubstr("configmap/cfg patched"));
  Result selected = Kubectl("get configmaps -l tier=gold");
  EXPECT_THAT(selected.output, ::testing::ContainsRegex("cfg +2 +"));
  Result none = Kubectl("get configmaps -l tier=silver");
  EXPECT_THAT(none.output, HasSubstr("No resources found"));
  Result deleted = Kubectl("delete configmap cfg");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, HasSubstr("configmap \"cfg\" deleted"));
  Result gone = Kubectl("get configmap cfg");
  EXPECT_EQ(gone.code, 1);
  EXPECT_THAT(gone.output, HasSubstr("NotFound"));
}

TEST_F(KubectlTest, InvalidServiceIsRejectedWithTheField) {
  std::string file = File("bad.yaml",
                          "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n"
                          "spec:\n  ports:\n  - port: 70000\n");
  Result result = Kubectl("create -f " + file);
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.output, HasSubstr("is invalid"));
  EXPECT_THAT(result.output, HasSubstr("spec.ports[0].port"));
}

TEST_F(KubectlTest, WatchSeesAddedModifiedAndDeleted) {
  ASSERT_EQ(Kubectl("create -f " + File("wns.yaml",
                                        "apiVersion: v1\nkind: Namespace\n"
                                        "metadata:\n  name: watched\n"))
                .code,
            0);
  std::string log = *dir_ + "/watch.out";
  pid_t watcher = Spawn("exec timeout 15 kubectl get svc -n watched -w --output-watch-events", log);
  // kubectl prints nothing for an empty namespace; give it time to list and
  // open its watch before the first change.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::string svc =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: w1\n  namespace: watched\n"
      "spec:\n  ports:\n  - port: 80\n";
  ASSERT_EQ(Kubectl("create -f " + File("w1.yaml", svc)).code, 0);
  ASSERT_EQ(Kubectl("label svc w1 -n watched color=blue").code, 0);
  ASSERT_EQ(Kubectl("delete svc w1 -n watched").code, 0);
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = ReadFile(log);
    if (out.find("DELETED") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(-watcher, SIGTERM);
  Reap(watcher, 5);
  EXPECT_THAT(out, ::testing::ContainsRegex("EVENT +NAME +TYPE +CLUSTER-IP"));
  EXPECT_THAT(out, ::testing::ContainsRegex("ADDED +w1 +ClusterIP +10\\.96\\."));
  EXPECT_THAT(out, ::testing::ContainsRegex("MODIFIED +w1 +ClusterIP"));
  EXPECT_THAT(out, ::testing::ContainsRegex("DELETED +w1 +ClusterIP"));
}

TEST_F(KubectlTest, DeleteNamespaceWaitsUntilItAndItsContentsAreGone) {
  ASSERT_EQ(Kubectl("create -f " + File("gone.yaml",
                                        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gone\n"
                                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                        "  name: cfg\n  namespace: gone\ndata: {a: b}\n"))
                .code,
            0);
  Result deleted = Kubectl("delete namespace gone --timeout=20s");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_THAT(deleted.output, HasSubstr("namespace \"gone\" deleted"));
  Result ns = Kubectl("get namespace gone");
  EXPECT_EQ(ns.code, 1);
  EXPECT_THAT(ns.output, HasSubstr("NotFound"));
  EXPECT_THAT(Kubectl("get configmaps -n gone").output, HasSubstr("No resources found"));
}

TEST_F(KubectlTest, GetSvcShowsTheKubernetesService) {
  Result table = Kubectl("get svc kubernetes");
  ASSERT_EQ(table.code, 0) << table.output;
  EXPECT_THAT(table.output,
              ::testing::ContainsRegex("kubernetes +ClusterIP +10\\.96\\.0\\.1 +<none> +443/TCP"));
  std::string port = Url().substr(Url().rfind(':') + 1);
  Result slice = Kubectl("get endpointslices kubernetes -o jsonpath={.ports[0].port}");
  EXPECT_EQ(slice.output, port);
}

TEST_F(KubectlTest, AuthCanIAnswersByTheRuleThatIsEnforced) {
  Result admin = Kubectl("auth can-i create services");
  EXPECT_EQ(admin.code, 0) << admin.output;
  EXPECT_EQ(admin.output, "yes\n");
  Result node = Kubectl("auth can-i create services" + NodeKubeconfig());
  EXPECT_EQ(node.code, 1) << node.output;
  EXPECT_EQ(node.output, "no\n");
  Result node_reads =
      Kubectl("auth can-i watch endpointslices.discovery.k8s.io -A" + NodeKubeconfig());
  EXPECT_EQ(node_reads.code, 0) << node_reads.output;
  EXPECT_EQ(node_reads.output, "yes\n");
}

TEST_F(KubectlTest, TheNodeKubeconfigReadsButItsWritesAreForbidden) {
  Result read = Kubectl("get svc -A" + NodeKubeconfig());
  ASSERT_EQ(read.code, 0) << read.output;
  EXPECT_THAT(read.output, HasSubstr("kubernetes"));
  std::string file =
      File("node-write.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-node\n");
  Result write = Kubectl("create -f " + file + NodeKubeconfig());
  EXPECT_EQ(write.code, 1);
  EXPECT_THAT(write.output, HasSubstr("Forbidden"));
  EXPECT_THAT(write.output,
              HasSubstr("configmaps is forbidden: User \"system:node:sluice-agent\" cannot "
                        "create resource \"configmaps\" in API group \"\" in the namespace "
                        "\"default\""));
  EXPECT_EQ(Kubectl("get configmap from-node").code, 1);
  Result metrics = Kubectl("get --raw /metrics" + NodeKubeconfig());
  ASSERT_EQ(metrics.code, 0) << metrics.output;
  EXPECT_THAT(metrics.output, ::testing::ContainsRegex(
                                  "apiserver_request_total\\{code=\"403\",resource=\"configmaps\","
                                  "verb=\"POST\"\\} [1-9]"));
}

// Authorization goes by verb, so the types added later are covered too.
TEST_F(KubectlTest, TheNodeKubeconfigListsPodsButCannotCreateThem) {
  Result list = Kubectl("get pods -A" + NodeKubeconfig());
  EXPECT_EQ(list.code, 0) << list.output;
  std::string pod = File("node-pod.yaml",
                         "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-node\nspec:\n"
                         "  containers:\n  - name: c\n    image: busybox\n");
  Result create = Kubectl("create -f " + pod + NodeKubeconfig());
  EXPECT_EQ(create.code, 1);
  EXPECT_THAT(create.output,
              HasSubstr("pods is forbidden: User \"system:node:sluice-agent\" cannot create "
                        "resource \"pods\" in API group \"\" in the namespace \"default\""));
  Result get = Kubectl("get pod from-node");
  EXPECT_EQ(get.code, 1);
  EXPECT_THAT(get.output, HasSubstr("NotFound"));
}

TEST_F(KubectlTest, WithoutATokenTheServerSays401) {
  Result curl = RunBounded(*dir_, "curl -sS --cacert " + Ca() + " -w '\\n%{http_code}' " + Url() +
                                      "/api/v1/namespaces/default/services");
  ASSERT_EQ(curl.code, 0) << curl.output;
  EXPECT_THAT(curl.output, HasSubstr("\"reason\":\"Unauthorized\""));
  EXPECT_THAT(curl.output, ::testing::EndsWith("\n401"));
  Result wrong = RunBounded(*dir_, "curl -sS --cacert " + Ca() +
                                       " -H 'Authorization: Bearer not-the-token' -o /dev/null "
                                       "-w '%{http_code}' " +
                                       Url() + "/api/v1/services");
  EXPECT_EQ(wrong.output, "401");
  Result health = RunBounded(*dir_, "curl -sS --cacert " + Ca() + " " + Url() + "/readyz");
  EXPECT_EQ(health.output, "ok");
}

TEST_F(KubectlTest, TheCertificateVerifiesForTheServiceNames) {
  std::string port = Url().substr(Url().rfind(':') + 1);
  for (const char* name : {"kubernetes.default.svc.cluster.local", "kubernetes", "localhost"}) {
    // curl checks the chain and the name; --resolve sends the name to loopback.
    Result curl =
        RunBounded(*dir_, std::string("curl -sS --cacert ") + Ca() + " --resolve " + name + ":" +
                              port + ":127.0.0.1 https://" + name + ":" + port + "/livez");
    EXPECT_EQ(curl.code, 0) << name << ": " << curl.output;
    EXPECT_EQ(curl.output, "ok") << name;
  }
  Result wrong = RunBounded(*dir_, "curl -sS --cacert " + Ca() + " --resolve example.com:" + port +
                                       ":127.0.0.1 https://example.com:" + port + "/livez");
  EXPECT_NE(wrong.code, 0) << wrong.output;
}

// Its own server: stopped and started again on the same data directory, it
// must still be trusted by, and accept the token of, the first kubeconfig.
TEST(KubectlRestart, RestartKeepsTheCaAndTheTokens) {
  ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
  char tmpl[] = "/tmp/kubectl_restart.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  struct Cleanup {
    std::string dir;
    pid_t pid = -1;
    ~Cleanup() {
      if (pid > 0) {
        kill(pid, SIGTERM);
        Reap(pid, 10);
      }
      std::filesystem::remove_all(dir);
    }
  } cleanup{dir};
  cleanup.pid = StartServer(dir);
  ASSERT_GT(cleanup.pid, 0);
  std::filesystem::rename(dir + "/kubeconfig", dir + "/first-kubeconfig");
  std::string first_node = ReadFile(dir + "/node-kubeconfig");
  kill(cleanup.pid, SIGTERM);
  ASSERT_EQ(Reap(cleanup.pid, 10), 0);
  cleanup.pid = StartServer(dir);
  ASSERT_GT(cleanup.pid, 0);
  std::string url = ServerUrl(dir + "/kubeconfig");
  Result get = RunBounded(dir, "env HOME=" + dir + " kubectl --kubeconfig " + dir +
                                   "/first-kubeconfig --server " + url + " get svc kubernetes");
  EXPECT_EQ(get.code, 0) << get.output;
  EXPECT_THAT(get.output, HasSubstr("10.96.0.1"));
  // Only the port in the URL may differ.
  std::string again = ReadFile(dir + "/node-kubeconfig");
  EXPECT_EQ(std::regex_replace(again, std::regex("server: .*"), ""),
            std::regex_replace(first_node, std::regex("server: .*"), ""));
}

}  // namespace
}  // namespace sluice::apiserver
