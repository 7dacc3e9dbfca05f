#include "control/apiserver/field_validation.h"

#include "control/apiserver/api_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const SchemaType& Service() {
  return *FindKindSchema("", "v1", "Service");
}

json WebService() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "labels": {"any-key": "x"}, "annotations": {"a/b": "c"}},
    "spec": {"selector": {"app": "web"}, "type": "NodePort",
             "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                       {"port": 443, "targetPort": 8443}],
             "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}}})");
}

TEST(FieldValidationTest, KnownFieldsMapsAndIntOrStringPass) {
  json service = WebService();
  json before = service;
  EXPECT_THAT(PruneUnknownFields(Service(), service), IsEmpty());
  EXPECT_EQ(service, before);
}

TEST(FieldValidationTest, UnknownNestedFieldsAreNamedAndDropped) {
  json service = WebService();
  service["spec"]["portz"] = 1;
  service["spec"]["ports"][1]["nodeport"] = 30000;
  service["spec"]["sessionAffinityConfig"]["clientIP"]["timeout"] = 3;
  service["metadata"]["label"] = {{"a", "b"}};
  service["extra"] = true;
  EXPECT_THAT(PruneUnknownFields(Service(), service),
              ElementsAre("extra", "metadata.label", "spec.ports[1].nodeport", "spec.portz",
                          "spec.sessionAffinityConfig.clientIP.timeout"));
  EXPECT_EQ(service, WebService());
}

TEST(FieldValidationTest, PartlyKnownTypesAndPreservedFieldsKeepUnknownOnes) {
  const SchemaType& deployment = *FindKindSchema("apps", "v1", "Deployment");
  json d = {
      {"spec",
       {{"template",
         {{"spec",
           {{"affinity", {{"x", 1}}},  // PodSpec is listed in part
            {"containers", {{{"name", "c"}, {"resources", {{"limits", {{"cpu", "1"}}}}}}}}}}}},
        {"strategy", {{"rollingUpdate", {{"maxSurge", "50%"}, {"maxSurgee", 1}}}}}}}};
  EXPECT_THAT(PruneUnknownFields(deployment, d),
              ElementsAre("spec.strategy.rollingUpdate.maxSurgee"));
  EXPECT_TRUE(d["spec"]["template"]["spec"].contains("affinity"));
}

TEST(FieldValidationTest, ModesAndPatchDirectives) {
  json service = WebService();
  service["spec"]["portz"] = 1;
  json copy = service;
  auto strict = CheckFields(Service(), copy, FieldValidation::kStrict);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(StatusBody(strict.status())["code"], 400);
  EXPECT_THAT(strict.status().message(), HasSubstr("unknown field \"spec.portz\""));
  copy = service;
  auto warn = CheckFields(Service(), copy, FieldValidation::kWarn);
  ASSERT_TRUE(warn.ok());
  EXPECT_THAT(*warn, ElementsAre("unknown field \"spec.portz\""));
  copy = service;
  auto ignore = CheckFields(Service(), copy, FieldValidation::kIgnore);
  ASSERT_TRUE(ignore.ok());
  EXPECT_THAT(*ignore, IsEmpty());
  EXPECT_FALSE(copy["spec"].contains("portz"));

  json patch = {{"spec",
                 {{"$setElementOrder/ports", {{{"port", 80}}}},
                  {"ports", {{{"port", 80}, {"$patch", "delete"}}}}}}};
  EXPECT_THAT(PruneUnknownFields(Service(), patch, /*patch=*/true), IsEmpty());
  EXPECT_THAT(PruneUnknownFields(Service(), patch),
              ElementsAre("spec.$setElementOrder/ports", "spec.ports[0].$patch"));

  EXPECT_FALSE(ParseFieldValidation("strict").ok());
  EXPECT_EQ(*ParseFieldValidation(""), FieldValidation::kWarn);
}

TEST(FieldValidationTest, DocumentsCarryKindsAndPatchKeys) {
  json defs = SchemaDefinitions("#/definitions/");
  const json& spec = defs["io.k8s.api.core.v1.ServiceSpec"]["properties"];
  EXPECT_EQ(spec["ports"]["x-kubernetes-patch-merge-key"], "port");
  EXPECT_EQ(spec["ports"]["items"]["$ref"], "#/definitions/io.k8s.api.core.v1.ServicePort");
  EXPECT_EQ(defs["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0]["kind"],
            "Deployment");
  // Every reference names a type of the table.
  std::string text = defs.dump();
  for (size_t at = text.find("#/definitions/"); at != std::string::npos;
       at = text.find("#/definitions/", at + 1)) {
    size_t start = at + 14;
    std::string name = text.substr(start, text.find('"', start) - start);
    EXPECT_TRUE(defs.contains(name)) << name;
  }
}

}  // namespace
}  // namespace sluice::apiserver
