// The real kubectl against the OpenAPI documents and the server's field
// validation: `kubectl explain` reads our schemas, and `--validate` (strict
// by default, since the server advertises fieldValidation) is the server's.
#include <string>
#include <utility>
#include <vector>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMisspelled[] = R"(apiVersion: v1
kind: Service
metadata:
  name: NAME
spec:
  selector: {app: web}
  portz: 80
  ports:
  - port: 80
    targetPort: 8080
)";

std::string Misspelled(const std::string& name) {
  std::string text = kMisspelled;
  text.replace(text.find("NAME"), 4, name);
  return text;
}

TEST_F(KubectlTest, ExplainServiceSpecShowsFieldsAndDescriptions) {
  Result spec = Kubectl("explain service.spec");
  ASSERT_EQ(spec.code, 0) << spec.output;
  EXPECT_THAT(spec.output, HasSubstr("ports\t<[]ServicePort>"));
  EXPECT_THAT(spec.output, HasSubstr("The ports the service exposes."));
  EXPECT_THAT(spec.output, HasSubstr("type\t<string>"));
  EXPECT_THAT(spec.output, HasSubstr("ClusterIP, NodePort, LoadBalancer or ExternalName"));

  Result ports = Kubectl("explain service.spec.ports");
  ASSERT_EQ(ports.code, 0) << ports.output;
  // As kubectl shows it against kube-apiserver: <IntOrString>, not <string>.
  EXPECT_THAT(ports.output, HasSubstr("targetPort\t<IntOrString>"));
  EXPECT_THAT(ports.output, HasSubstr("The port number or name on the pods"));
  EXPECT_THAT(ports.output, HasSubstr("nodePort\t<integer>"));

  Result tmpl = Kubectl("explain deployment.spec.template");
  ASSERT_EQ(tmpl.code, 0) << tmpl.output;
  EXPECT_THAT(tmpl.output, HasSubstr("GROUP:      apps"));
  EXPECT_THAT(tmpl.output, HasSubstr("spec\t<PodSpec>"));

  Result missing = Kubectl("explain service.spec.portz");
  EXPECT_NE(missing.code, 0) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("portz"));
}

TEST_F(KubectlTest, ExplainKnowsNodesEndpointsEventsAndIntOrString) {
  for (const auto& [path, text] : std::vector<std::pair<std::string, std::string>>{
           {"deployment.spec.strategy.rollingUpdate", "maxSurge\t<IntOrString>"},
           {"node.status.addresses", "FIELD: addresses <[]NodeAddress>"},
           {"node.status.addresses", "address\t<string>"},
           {"endpoints.subsets", "notReadyAddresses\t<[]EndpointAddress>"},
           {"events", "KIND:       Event"},
           {"events", "involvedObject\t<ObjectReference>"}}) {
    Result explained = Kubectl("explain " + path);
    EXPECT_EQ(explained.code, 0) << path << ": " << explained.output;
    EXPECT_THAT(explained.output, HasSubstr(text)) << path;
  }

  // The schemas check bodies too.
  Result typo = Kubectl("create -f " + File("node.yaml",
                                            "apiVersion: v1\nkind: Node\nmetadata:\n"
                                            "  name: typo-node\nspec:\n  podCIDRz: 10.0.0.0/24\n"));
  EXPECT_NE(typo.code, 0) << typo.output;
  EXPECT_THAT(typo.output, HasSubstr("unknown field \"spec.podCIDRz\""));
}

TEST_F(KubectlTest, ApplyAndCreateRejectUnknownFieldsUnlessValidationIsOff) {
  std::string applied = File("apply.yaml", Misspelled("typo-apply"));
  Result strict = Kubectl("apply -f " + applied);
  EXPECT_NE(strict.code, 0) << strict.output;
  EXPECT_THAT(strict.output, HasSubstr("unknown field \"spec.portz\""));
  EXPECT_NE(Kubectl("get service typo-apply").code, 0);

  std::string created = File("create.yaml", Misspelled("typo-create"));
  Result strict_create = Kubectl("create -f " + created);
  EXPECT_NE(strict_create.code, 0) << strict_create.output;
  EXPECT_THAT(strict_create.output, HasSubstr("unknown field \"spec.portz\""));

  Result warned = Kubectl("create --validate=warn -f " + created);
  ASSERT_EQ(warned.code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("unknown field \"spec.portz\""));

  Result lax = Kubectl("apply --validate=false -f " + applied);
  ASSERT_EQ(lax.code, 0) << lax.output;
  Result got = Kubectl("get service typo-apply -o json");
  ASSERT_EQ(got.code, 0) << got.output;
  json service = json::parse(got.output);
  EXPECT_FALSE(service["spec"].contains("portz")) << got.output;
  EXPECT_EQ(service["spec"]["ports"][0]["port"], 80);

  // An update through apply's patch is checked too.
  std::string fixed = Misspelled("typo-apply");
  fixed.replace(fixed.find("  portz: 80\n"), 12, "  sessionAffinitee: ClientIP\n");
  Result patched = Kubectl("apply -f " + File("apply2.yaml", fixed));
  EXPECT_NE(patched.code, 0) << patched.output;
  EXPECT_THAT(patched.output, HasSubstr("sessionAffinitee"));

  EXPECT_EQ(Kubectl("delete service typo-apply typo-create").code, 0);
}

TEST_F(KubectlTest, OpenApiV2IsServedAsJson) {
  Result raw = Kubectl("get --raw /openapi/v2");
  ASSERT_EQ(raw.code, 0) << raw.output;
  json doc = json::parse(raw.output);
  EXPECT_EQ(doc["swagger"], "2.0");
  EXPECT_EQ(doc["definitions"]["io.k8s.api.core.v1.Service"]["x-kubernetes-group-version-kind"][0]
               ["kind"],
            "Service");
  EXPECT_THAT(raw.output, Not(HasSubstr("#/components/")));
}

}  // namespace
}  // namespace sluice::apiserver
