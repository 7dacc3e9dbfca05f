// The real kubectl against `sluice server`: server-side apply (create,
// update, conflicts between field managers, --force-conflicts, managed fields
// shown), and describe, edit and annotate of a Service.
#include <sys/stat.h>

#include <map>
#include <string>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

std::string ServiceYaml(const std::string& ns, int target_port) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: " + ns +
         "\n  labels: {app: web, tier: old}\nspec:\n  selector: {app: web}\n  ports:\n"
         "  - port: 80\n    targetPort: " +
         std::to_string(target_port) + "\n";
}

// A namespace of the test's own, deleted at the end whatever happened.
class KubectlSsaTest : public KubectlTest {
 protected:
  void MakeNamespace(const std::string& ns) {
    ns_ = ns;
    // (kubectl create namespace sends protobuf, which the server does not read)
    Result made = Kubectl("create -f " + File(ns + "-ns.yaml",
                                              "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                                              "  name: " +
                                                  ns + "\n"));
    ASSERT_EQ(made.code, 0) << made.output;
  }
  void TearDown() override {
    if (!ns_.empty()) Kubectl("delete namespace " + ns_ + " --wait=false");
  }

  std::string ns_;
};

TEST_F(KubectlSsaTest, ServerSideApplyCreatesUpdatesConflictsAndForces) {
  MakeNamespace("ssa");
  Result created = Kubectl("apply --server-side -f " + File("svc1.yaml", ServiceYaml("ssa", 8080)));
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("service/web serverside-applied"));

  Result updated = Kubectl("apply --server-side -f " + File("svc2.yaml", ServiceYaml("ssa", 9090)));
  ASSERT_EQ(updated.code, 0) << updated.output;
  Result got = Kubectl("get svc web -n ssa -o jsonpath={.spec.ports[0].targetPort}");
  ASSERT_EQ(got.code, 0) << got.output;
  EXPECT_EQ(got.output, "9090");

  std::string other = File("svc3.yaml", ServiceYaml("ssa", 7070));
  Result conflict = Kubectl("apply --server-side --field-manager=other -f " + other);
  EXPECT_NE(conflict.code, 0) << conflict.output;
  EXPECT_THAT(conflict.output, HasSubstr("conflict with \"kubectl\""));
  EXPECT_THAT(conflict.output, HasSubstr(".spec.ports[port=80,protocol=\"TCP\"].targetPort"));
  got = Kubectl("get svc web -n ssa -o jsonpath={.spec.ports[0].targetPort}");
  EXPECT_EQ(got.output, "9090");

  Result forced =
      Kubectl("apply --server-side --field-manager=other --force-conflicts -f " + other);
  ASSERT_EQ(forced.code, 0) << forced.output;
  got = Kubectl("get svc web -n ssa -o jsonpath={.spec.ports[0].targetPort}");
  EXPECT_EQ(got.output, "7070");

  Result yaml = Kubectl("get svc web -n ssa -o json --show-managed-fields");
  ASSERT_EQ(yaml.code, 0) << yaml.output;
  json object = json::parse(yaml.output, nullptr, false);
  ASSERT_TRUE(object.is_object()) << yaml.output;
  std::map<std::string, std::string> managers;
  for (const json& e : object["metadata"]["managedFields"])
    managers[e.value("manager", "")] = e.value("operation", "");
  EXPECT_EQ(managers["kubectl"], "Apply") << yaml.output;
  EXPECT_EQ(managers["other"], "Apply") << yaml.output;
  Result as_yaml = Kubectl("get svc web -n ssa -o yaml --show-managed-fields");
  ASSERT_EQ(as_yaml.code, 0) << as_yaml.output;
  EXPECT_THAT(as_yaml.output, HasSubstr("manager: other"));
  EXPECT_THAT(as_yaml.output, HasSubstr("f:targetPort: {}"));
  Result hidden = Kubectl("get svc web -n ssa -o yaml");
  EXPECT_THAT(hidden.output, ::testing::Not(HasSubstr("managedFields")));
}

TEST_F(KubectlSsaTest, DescribeEditAndAnnotateAService) {
  MakeNamespace("describe");
  Result created = Kubectl("create -f " + File("svc4.yaml", ServiceYaml("describe", 8080)));
  ASSERT_EQ(created.code, 0) << created.output;
  Result ip = Kubectl("get svc web -n describe -o jsonpath={.spec.clusterIP}");
  ASSERT_EQ(ip.code, 0) << ip.output;

  Result described = Kubectl("describe svc web -n describe");
  ASSERT_EQ(described.code, 0) << described.output;
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Name: +web\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Namespace: +describe\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Type: +ClusterIP\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("IP: +" + ip.output + "\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Port: +<unset> +80/TCP\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("TargetPort: +8080/TCP\n"));
  EXPECT_THAT(described.output, ::testing::ContainsRegex("Endpoints: +(<none>)?\n"));

  // kubectl edit runs $EDITOR on a file holding the object.
  std::string editor = File("editor.sh", "#!/bin/sh\nsed -i 's/tier: old/tier: new/' \"$1\"\n");
  ASSERT_EQ(chmod(editor.c_str(), 0755), 0);
  Result edited = RunBounded(*dir_, "env EDITOR=" + editor + " kubectl edit svc web -n describe");
  ASSERT_EQ(edited.code, 0) << edited.output;
  EXPECT_THAT(edited.output, HasSubstr("service/web edited"));
  Result tier = Kubectl("get svc web -n describe -o jsonpath={.metadata.labels.tier}");
  EXPECT_EQ(tier.output, "new");
  Result managed = Kubectl("get svc web -n describe -o json --show-managed-fields");
  EXPECT_THAT(managed.output, HasSubstr("\"kubectl-edit\"")) << managed.output;

  Result annotated = Kubectl("annotate svc web -n describe a=b");
  ASSERT_EQ(annotated.code, 0) << annotated.output;
  Result a = Kubectl("get svc web -n describe -o jsonpath={.metadata.annotations.a}");
  EXPECT_EQ(a.output, "b");
}

}  // namespace
}  // namespace sluice::apiserver
