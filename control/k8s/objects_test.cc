#include "control/k8s/objects.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::k8s {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

std::string TestdataPath(const std::string& name) {
  const char* dir = std::getenv("TESTDATA");
  return std::string(dir != nullptr ? dir : "control/k8s/testdata") + "/" + name;
}

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<Objects> objects = LoadObjectsText(text, "objects.yaml");
  EXPECT_FALSE(objects.ok());
  return std::string(objects.status().message());
}

const Service* FindService(const Objects& objects, absl::string_view name) {
  for (const Service& service : objects.services) {
    if (service.metadata.name == name) return &service;
  }
  return nullptr;
}

TEST(LoadObjectsFile, ReadsEveryServiceAndSliceOfKubectlListOutput) {
  absl::StatusOr<Objects> objects = LoadObjectsFile(TestdataPath("objects.yaml"));
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(objects->services.size(), 11u);
  EXPECT_EQ(objects->endpoint_slices.size(), 9u);
  EXPECT_EQ(objects->IgnoredCount(), 0u);
}

TEST(LoadObjectsFile, SampleKeepsDualStackLoadBalancerFields) {
  absl::StatusOr<Objects> objects = LoadObjectsFile(TestdataPath("objects.yaml"));
  ASSERT_TRUE(objects.ok()) << objects.status();
  const Service* api = FindService(*objects, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->metadata.namespace_name, "shop");
  EXPECT_EQ(api->type, ServiceType::kLoadBalancer);
  ASSERT_EQ(api->cluster_ips.size(), 2u);
  EXPECT_EQ(api->cluster_ips[1].ToString(), "fd00:10:96::c850");
  EXPECT_THAT(api->ip_families, ElementsAre(IpFamily::kV4, IpFamily::kV6));
  ASSERT_EQ(api->ports.size(), 1u);
  EXPECT_EQ(std::get<std::string>(api->ports[0].target_port), "grpc");
  EXPECT_EQ(api->ports[0].node_port, 31443);
  EXPECT_EQ(api->health_check_node_port, 32001);
  EXPECT_EQ(api->external_traffic_policy, TrafficPolicy::kLocal);
  EXPECT_EQ(api->traffic_distribution, "PreferClose");
  ASSERT_EQ(api->load_balancer_source_ranges.size(), 2u);
  EXPECT_EQ(api->load_balancer_source_ranges[1].address.ToString(), "2001:db8:100::");
  EXPECT_EQ(api->load_balancer_source_ranges[1].length, 48);
  ASSERT_EQ(api->load_balancer_ingress.size(), 2u);
  EXPECT_EQ(api->load_balancer_ingress[1].ip->ToString(), "2001:db8::10");
  EXPECT_EQ(api->metadata.annotations.at("sluice.dev/lb-algorithm"), "round-robin");
}

TEST(LoadObjectsFile, SampleKeepsSliceConditionsAndTopology) {
  absl::StatusOr<Objects> objects = LoadObjectsFile(TestdataPath("objects.yaml"));
  ASSERT_TRUE(objects.ok()) << objects.status();
  const EndpointSlice* web = nullptr;
  for (const EndpointSlice& slice : objects->endpoint_slices) {
    if (slice.metadata.name == "web-x4r2q") web = &slice;
  }
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->metadata.labels.at(std::string(kServiceNameLabel)), "web");
  ASSERT_EQ(web->endpoints.size(), 3u);
  EXPECT_EQ(web->endpoints[1].addresses[0].ToString(), "10.244.2.9");
  EXPECT_EQ(web->endpoints[1].conditions.ready, false);
  EXPECT_EQ(web->endpoints[1].conditions.terminating, true);
  EXPECT_EQ(web->endpoints[1].node_name, "kind-worker2");
  EXPECT_EQ(web->endpoints[1].zone, "zone-b");
  ASSERT_EQ(web->ports.size(), 1u);
  EXPECT_EQ(web->ports[0].port, 8080);
}

TEST(LoadObjectsFile, MissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<Objects> objects = LoadObjectsFile(TestdataPath("no-such-file.yaml"));
  EXPECT_EQ(objects.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(objects.status().message()),
              HasSubstr("no-such-file.yaml: cannot read: "));
}

TEST(LoadObjectsFile, DirectoryIsAnErrorNotAnEmptyFile) {
  absl::StatusOr<Objects> objects = LoadObjectsFile(TestdataPath(""));
  EXPECT_FALSE(objects.ok());
  EXPECT_THAT(std::string(objects.status().message()), HasSubstr("cannot read: Is a directory"));
}

constexpr char kStream[] = R"(---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  clusterIP: 10.96.0.7
  ports:
  - port: 80
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
endpoints:
- addresses: ["10.244.1.7"]
ports:
- port: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: value
---
)";

TEST(LoadObjectsText, ReadsMultiDocumentStream) {
  absl::StatusOr<Objects> objects = LoadObjectsText(kStream, "stream.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->services.size(), 1u);
  EXPECT_EQ(objects->services[0].metadata.name, "web");
  ASSERT_EQ(objects->endpoint_slices.size(), 1u);
  EXPECT_EQ(objects->endpoint_slices[0].endpoints[0].addresses[0].ToString(), "10.244.1.7");
  EXPECT_THAT(objects->ignored_kinds, ElementsAre(Pair("ConfigMap", 1u)));
}

// As `kubectl get svc,endpointslices -o json` prints it, fields we do not use included.
constexpr char kJson[] = R"({
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "creationTimestamp": "2024-05-02T09:14:07Z",
                "managedFields": [
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:spec": {"f:ports": {".": {}, "k:{\"port\":443,\"protocol\":\"TCP\"}": {}}}},
                        "manager": "kube-apiserver",
                        "operation": "Update",
                        "time": "2024-05-02T09:14:07Z"
                    }
                ],
                "name": "kubernetes",
                "namespace": "default",
                "resourceVersion": "234",
                "uid": "6b0cbb0b-7f07-4a77-9a37-0d2f7c1d1f55"
            },
            "spec": {
                "clusterIP": "10.96.0.1",
                "clusterIPs": ["10.96.0.1"],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "sessionAffinity": "None",
                "type": "ClusterIP"
            },
            "status": {"loadBalancer": {}, "conditions": [{"type": "Ready", "status": "True"}]}
        },
        {
            "addressType": "IPv4",
            "apiVersion": "discovery.k8s.io/v1",
            "endpoints": [
                {"addresses": ["172.18.0.2"], "conditions": {"ready": true, "serving": true, "terminating": false}}
            ],
            "kind": "EndpointSlice",
            "metadata": {
                "labels": {"kubernetes.io/service-name": "kubernetes"},
                "name": "kubernetes",
                "namespace": "default"
            },
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
)";

TEST(LoadObjectsText, ReadsKubectlJson) {
  absl::StatusOr<Objects> objects = LoadObjectsText(kJson, "objects.json");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->services.size(), 1u);
  EXPECT_EQ(objects->services[0].cluster_ips[0].ToString(), "10.96.0.1");
  EXPECT_EQ(std::get<uint16_t>(objects->services[0].ports[0].target_port), 6443);
  ASSERT_EQ(objects->endpoint_slices.size(), 1u);
  EXPECT_EQ(objects->endpoint_slices[0].endpoints[0].conditions.serving, true);
}

TEST(LoadObjectsText, TypedListItemsWithoutKindTakeTheListsKind) {
  absl::StatusOr<Objects> objects = LoadObjectsText(R"(
kind: ServiceList
apiVersion: v1
items:
- metadata: {name: a}
  spec: {clusterIP: 10.96.0.2, ports: [{port: 80}]}
)",
                                                    "list.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->services.size(), 1u);
  EXPECT_EQ(objects->services[0].metadata.namespace_name, "default");
}

TEST(LoadObjectsText, EmptyInputHasNoObjects) {
  absl::StatusOr<Objects> objects = LoadObjectsText("", "empty.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_TRUE(objects->services.empty());
  EXPECT_TRUE(objects->endpoint_slices.empty());
}

TEST(LoadObjectsText, CountsOtherKindsAndOtherGroupsServices) {
  absl::StatusOr<Objects> objects = LoadObjectsText(R"(
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: p1}}
- {apiVersion: v1, kind: Pod, metadata: {name: p2}}
- {apiVersion: serving.knative.dev/v1, kind: Service, metadata: {name: hello}}
)",
                                                    "mixed.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_TRUE(objects->services.empty());
  EXPECT_EQ(objects->IgnoredCount(), 3u);
  EXPECT_THAT(objects->ignored_kinds,
              ElementsAre(Pair("Pod", 2u), Pair("Service (serving.knative.dev/v1)", 1u)));
}

TEST(LoadObjectsText, ErrorInListItemNamesItsIndexAndField) {
  EXPECT_EQ(ErrorOf(R"(
kind: List
items:
- {kind: ConfigMap, metadata: {name: a}}
- {kind: ConfigMap, metadata: {name: b}}
- {kind: ConfigMap, metadata: {name: c}}
- kind: Service
  metadata: {name: web}
  spec: {ports: [{port: 70000}]}
)"),
            "objects.yaml: items[3].spec.ports[0].port: must be between 1 and 65535");
}

TEST(LoadObjectsText, ErrorInStreamNamesTheDocument) {
  EXPECT_EQ(ErrorOf(R"(
kind: ConfigMap
metadata: {name: a}
---
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.0.0.300}
)"),
            "objects.yaml: document 2: spec.clusterIP: \"10.0.0.300\" is not a valid IP address");
}

TEST(LoadObjectsText, YamlSyntaxErrorGivesLineAndColumn) {
  EXPECT_THAT(ErrorOf("kind: Service\nmetadata:\n  name: [web\n"),
              StartsWith("objects.yaml:4:1: YAML syntax error: "));
}

TEST(LoadObjectsText, JsonSyntaxErrorGivesLine) {
  EXPECT_THAT(ErrorOf("{\n  \"kind\": \"Service\",\n  \"metadata\": {\"name\": \"a\"\n}\n"),
              StartsWith("objects.yaml:"));
  EXPECT_THAT(ErrorOf("{\n  \"kind\": \"Service\",\n  \"metadata\": {\"name\": \"a\"\n}\n"),
              HasSubstr("YAML syntax error"));
}

TEST(LoadObjectsText, DocumentThatIsNotAMappingIsAnError) {
  EXPECT_EQ(ErrorOf("kind: ConfigMap\n---\n- a\n- b\n"),
            "objects.yaml: document 2: expected a Kubernetes object (a mapping)");
}

TEST(LoadObjectsText, ObjectWithoutKindIsAnError) {
  EXPECT_EQ(ErrorOf("kind: List\nitems:\n- metadata: {name: a}\n"),
            "objects.yaml: items[0].kind: required");
}

TEST(LoadObjectsText, ItemsThatAreNotAListAreAnError) {
  EXPECT_EQ(ErrorOf("kind: List\nitems: {a: 1}\n"), "objects.yaml: items: must be a list");
}

TEST(LoadObjectsText, SameServiceTwiceIsAnError) {
  EXPECT_EQ(ErrorOf(R"(
kind: Service
metadata: {name: web, namespace: shop}
---
kind: List
items:
- kind: Service
  metadata: {name: web, namespace: shop}
)"),
            "objects.yaml: document 2: items[0].metadata.name: Service shop/web appears twice "
            "(also document 1)");
}

TEST(LoadObjectsText, SameEndpointSliceTwiceIsAnError) {
  EXPECT_EQ(ErrorOf(R"(
kind: List
items:
- {kind: EndpointSlice, addressType: IPv4, metadata: {name: s}}
- {kind: EndpointSlice, addressType: IPv4, metadata: {name: s}}
)"),
            "objects.yaml: items[1].metadata.name: EndpointSlice default/s appears twice "
            "(also items[0])");
}

TEST(LoadObjectsText, BetaEndpointSlicesAreRejectedNotSkipped) {
  EXPECT_EQ(ErrorOf("apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\n"),
            "objects.yaml: apiVersion: \"discovery.k8s.io/v1beta1\" is not supported; want "
            "\"discovery.k8s.io/v1\"");
}

// Every prefix of a real file, and the file with single bytes replaced, must
// load or fail with a message; never crash.
TEST(LoadObjectsText, MalformedInputNeverCrashes) {
  absl::StatusOr<Objects> reference = LoadObjectsFile(TestdataPath("objects.yaml"));
  ASSERT_TRUE(reference.ok()) << reference.status();
  std::string text;
  {
    FILE* file = std::fopen(TestdataPath("objects.yaml").c_str(), "rb");
    ASSERT_NE(file, nullptr);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  for (size_t cut = 0; cut < text.size(); cut += 97) {
    absl::StatusOr<Objects> objects = LoadObjectsText(text.substr(0, cut), "cut.yaml");
    if (!objects.ok()) {
      EXPECT_THAT(std::string(objects.status().message()), StartsWith("cut.yaml:"));
    }
  }
  const char replacements[] = {'\0', ':', '-', '[', '{', '"', '\t', '&', '*', '!', 'x', '9'};
  for (size_t at = 0, r = 0; at < text.size(); at += 61, ++r) {
    std::string mutated = text;
    mutated[at] = replacements[r % sizeof(replacements)];
    absl::StatusOr<Objects> objects = LoadObjectsText(mutated, "mutated.yaml");
    if (!objects.ok()) {
      EXPECT_THAT(std::string(objects.status().message()), StartsWith("mutated.yaml:"));
    }
  }
}

}  // namespace
}  // namespace sluice::k8s
