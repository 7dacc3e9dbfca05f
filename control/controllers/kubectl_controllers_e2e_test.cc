// The controllers inside `sluice server`, judged by the real kubectl: the
// NodePort allocator's answers, a LoadBalancer address from --lb-pools, and
// the EndpointSlice a Service gets and loses.
#include <stdlib.h>

#include <chrono>
#include <string>
#include <thread>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::controllers {
namespace {

using ::sluice::apiserver::ReadFile;
using ::sluice::apiserver::Reap;
using ::sluice::apiserver::Result;
using ::sluice::apiserver::Spawn;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class KubectlControllersTest : public apiserver::KubectlTest {
 protected:
  static void SetUpTestSuite() {
    MakeSuiteDir();
    std::string pools =
        File("pools.yaml", "pools:\n- name: public\n  addresses: [198.51.100.8/30]\n");
    StartSuiteServer("--lb-pools " + pools);
  }

  static std::string Service(const std::string& name, const std::string& type,
                             const std::string& node_port = "") {
    return File(name + ".yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
                                    "\nspec:\n  type: " + type + "\n  selector: {app: " + name +
                                    "}\n  ports:\n  - port: 80\n" +
                                    (node_port.empty() ? "" : "    nodePort: " + node_port + "\n"));
  }
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

TEST_F(KubectlControllersTest, BadRangeFlagsOrPoolsStopTheServerWithTheReason) {
  std::string bad_pools = File("bad.yaml", "pools:\n- name: x\n  addresses: [nope]\n");
  struct Case {
    std::string flags, reason;
  } cases[] = {
      {"--service-cluster-ip-range 10.96.0.0/40", "\"10.96.0.0/40\" is not a valid CIDR"},
      {"--service-node-port-range 32000-31000", "node port range 32000-31000 is not valid"},
      {"--lb-pools " + bad_pools, "pools[0].addresses[0]: \"nope\" is not a valid CIDR"},
  };
  for (const Case& c : cases) {
    std::string log = *dir_ + "/bad.log";
    pid_t pid = Spawn(std::string("exec ") + getenv("SLUICE_BINARY") + " server --data-dir " +
                          *dir_ + "/bad --listen 127.0.0.1:0 " + c.flags,
                      log);
    EXPECT_NE(Reap(pid, 10), 0) << c.flags;
    EXPECT_THAT(ReadFile(log), HasSubstr(c.reason)) << c.flags;
  }
}

}  // namespace
}  // namespace sluice::controllers
