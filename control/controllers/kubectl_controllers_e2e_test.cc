// The controllers inside `sluice server`, judged by the real kubectl: the
// NodePort allocator's answers, a LoadBalancer address from --lb-pools, and
// the EndpointSlice a Service gets and loses.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "control/apiserver/process_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::controllers {
namespace {

using apiserver::ReadFile;
using apiserver::Reap;
using apiserver::Result;
using apiserver::Spawn;
using apiserver::WriteFile;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class KubectlControllersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/kubectl_controllers_e2e.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    std::filesystem::create_directories(*dir_ + "/home");
    setenv("HOME", (*dir_ + "/home").c_str(), 1);
    setenv("KUBECONFIG", (*dir_ + "/kubeconfig").c_str(), 1);
    WriteFile(*dir_ + "/pools.yaml", "pools:\n- name: public\n  addresses: [198.51.100.8/30]\n");
    const char* sluice = getenv("SLUICE_BINARY");
    ASSERT_NE(sluice, nullptr) << "SLUICE_BINARY is not set";
    server_ = Spawn(std::string("exec ") + sluice + " server --data-dir " + *dir_ +
                        "/data --listen 127.0.0.1:0 --kubeconfig-out " + *dir_ +
                        "/kubeconfig --lb-pools " + *dir_ + "/pools.yaml",
                    *dir_ + "/server.log");
    for (int i = 0; i < 200 && !std::filesystem::exists(*dir_ + "/kubeconfig"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(std::filesystem::exists(*dir_ + "/kubeconfig")) << ReadFile(*dir_ + "/server.log");
  }

  static void TearDownTestSuite() {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      EXPECT_EQ(Reap(server_, 10), 0) << "sluice server did not stop cleanly";
    }
    std::filesystem::remove_all(*dir_);
  }

  void SetUp() override {
    ASSERT_EQ(system("command -v kubectl >/dev/null 2>&1"), 0) << "kubectl is not installed";
  }

  static Result Kubectl(const std::string& args) {
    std::string log = *dir_ + "/kubectl.out";
    pid_t pid = Spawn("exec timeout 30 kubectl " + args, log);
    int code = Reap(pid, 40);
    return {code, ReadFile(log)};
  }

  // Runs `kubectl args` until its output matches `regex` (10 s at most).
  static Result KubectlUntil(const std::string& args, const std::string& regex) {
    Result r;
    for (int i = 0; i < 50; ++i) {
      r = Kubectl(args);
      if (r.code == 0 && ::testing::Matches(ContainsRegex(regex))(r.output)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return r;
  }

  static std::string Service(const std::string& name, const std::string& type,
                             const std::string& node_port = "") {
    std::string path = *dir_ + "/" + name + ".yaml";
    WriteFile(path, "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
                        "\nspec:\n  type: " + type + "\n  selector: {app: " + name +
                        "}\n  ports:\n  - port: 80\n" +
                        (node_port.empty() ? "" : "    nodePort: " + node_port + "\n"));
    return path;
  }

  static inline std::string* dir_ = nullptr;
  static inline pid_t server_ = -1;
};

TEST_F(KubectlControllersTest, NodePortIsAllocatedAndASecondClaimIsRejected) {
  Result created = Kubectl("create -f " + Service("web", "NodePort"));
  ASSERT_EQ(created.code, 0) << created.output;
  Result table = Kubectl("get svc web");
  ASSERT_EQ(table.code, 0) << table.output;
  EXPECT_THAT(table.output,
              ContainsRegex("web +NodePort +10\\.96\\.[0-9.]+ +<none> +80:30173/TCP"));

  Result taken = Kubectl("create -f " + Service("copy", "NodePort", "30173"));
  EXPECT_EQ(taken.code, 1);
  EXPECT_THAT(taken.output,
              HasSubstr("The Service \"copy\" is invalid: spec.ports[0].nodePort: Invalid value: "
                        "30173: provided port is already allocated"));
  Result low = Kubectl("create -f " + Service("low", "NodePort", "8080"));
  EXPECT_EQ(low.code, 1);
  EXPECT_THAT(low.output, HasSubstr("provided port is not in the valid range. The range of valid "
                                    "ports is 30000-32767"));

  // Back to ClusterIP releases the port; the same claim then succeeds.
  ASSERT_EQ(Kubectl("patch svc web --type merge -p '{\"spec\":{\"type\":\"ClusterIP\"}}'").code, 0);
  Result second = Kubectl("create -f " + Service("copy", "NodePort", "30173"));
  EXPECT_EQ(second.code, 0) << second.output;
  EXPECT_THAT(Kubectl("get svc copy").output, ContainsRegex("80:30173/TCP"));
}

TEST_F(KubectlControllersTest, LoadBalancerGetsAnAddressFromThePool) {
  ASSERT_EQ(Kubectl("create -f " + Service("lb", "LoadBalancer")).code, 0);
  Result table = KubectlUntil("get svc lb", "198\\.51\\.100\\.8");
  EXPECT_THAT(table.output, ContainsRegex("lb +LoadBalancer +10\\.96\\.[0-9.]+ +198\\.51\\.100\\.8 "
                                          "+80:[0-9]+/TCP"));
}

TEST_F(KubectlControllersTest, ServicesGetAnEndpointSliceThatGoesWithThem) {
  ASSERT_EQ(Kubectl("create -f " + Service("api", "ClusterIP")).code, 0);
  Result slices =
      KubectlUntil("get endpointslices -l kubernetes.io/service-name=api", "api-[a-z0-9]{5} +IPv4");
  EXPECT_THAT(slices.output, ContainsRegex("api-[a-z0-9]{5} +IPv4 +<unset> +<unset>"));
  Result yaml = Kubectl("get endpointslices -l kubernetes.io/service-name=api -o yaml");
  EXPECT_THAT(
      yaml.output,
      HasSubstr("endpointslice.kubernetes.io/managed-by: endpointslice-controller.sluice.dev"));
  ASSERT_EQ(Kubectl("delete svc api").code, 0);
  Result gone =
      KubectlUntil("get endpointslices -l kubernetes.io/service-name=api", "No resources found");
  EXPECT_THAT(gone.output, HasSubstr("No resources found"));
}

}  // namespace
}  // namespace sluice::controllers
