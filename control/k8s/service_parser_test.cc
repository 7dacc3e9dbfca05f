// Service fields and their validation, through the public loader so that the
// messages are checked exactly as users see them.
#include <string>
#include <variant>

#include "control/k8s/objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::k8s {
namespace {

using ::testing::ElementsAre;

// A Service document named "web" with `spec` (YAML flow or block text) and
// optional `extra` top-level YAML.
std::string ServiceYaml(absl::string_view spec, absl::string_view extra = "") {
  return std::string("kind: Service\nmetadata: {name: web}\nspec: ") + std::string(spec) + "\n" +
         std::string(extra);
}

absl::StatusOr<Service> Load(const std::string& text) {
  absl::StatusOr<Objects> objects = LoadObjectsText(text, "svc.yaml");
  if (!objects.ok()) return objects.status();
  if (objects->services.size() != 1) return absl::InternalError("want exactly one service");
  return objects->services[0];
}

TEST(ParseService, AbsentFieldsTakeKubernetesDefaults) {
  absl::StatusOr<Service> service =
      Load(ServiceYaml("{clusterIP: 10.96.0.7, ports: [{port: 80}]}"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->metadata.namespace_name, "default");
  EXPECT_EQ(service->type, ServiceType::kClusterIP);
  ASSERT_EQ(service->ports.size(), 1u);
  EXPECT_EQ(service->ports[0].protocol, Protocol::kTCP);
  EXPECT_EQ(std::get<uint16_t>(service->ports[0].target_port), 80);
  EXPECT_FALSE(service->ports[0].node_port.has_value());
  EXPECT_EQ(service->session_affinity, SessionAffinity::kNone);
  EXPECT_EQ(service->affinity_timeout_s, 10800u);
  EXPECT_EQ(service->external_traffic_policy, TrafficPolicy::kCluster);
  EXPECT_EQ(service->internal_traffic_policy, TrafficPolicy::kCluster);
  EXPECT_FALSE(service->headless);
}

TEST(ParseService, ClusterIpAloneStandsForClusterIps) {
  absl::StatusOr<Service> service = Load(ServiceYaml("{clusterIP: 10.96.0.7}"));
  ASSERT_TRUE(service.ok()) << service.status();
  ASSERT_EQ(service->cluster_ips.size(), 1u);
  EXPECT_EQ(service->cluster_ips[0].ToString(), "10.96.0.7");
}

TEST(ParseService, ClusterIpNoneIsHeadless) {
  absl::StatusOr<Service> service = Load(ServiceYaml("{clusterIP: None, clusterIPs: [None]}"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_TRUE(service->headless);
  EXPECT_TRUE(service->cluster_ips.empty());
}

TEST(ParseService, ReadsEveryFieldTheProxyUses) {
  absl::StatusOr<Service> service = Load(ServiceYaml(R"(
  type: LoadBalancer
  clusterIP: fd00::10
  clusterIPs: [fd00::10, 10.96.0.10]
  ipFamilies: [IPv6, IPv4]
  ports:
  - {name: dns, protocol: UDP, port: 53, targetPort: dns, nodePort: 30053}
  - {name: sctp, protocol: SCTP, port: 9000, targetPort: 9001}
  externalIPs: [192.0.2.1]
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
  externalTrafficPolicy: Local
  internalTrafficPolicy: Local
  loadBalancerSourceRanges: [" 10.0.0.0/8 "]
  healthCheckNodePort: 32000
  trafficDistribution: PreferClose
status:
  loadBalancer:
    ingress:
    - {ip: 203.0.113.1}
    - {ip: 203.0.113.2, ipMode: Proxy}
    - {hostname: lb.example.com})"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->type, ServiceType::kLoadBalancer);
  EXPECT_THAT(service->ip_families, ElementsAre(IpFamily::kV6, IpFamily::kV4));
  EXPECT_EQ(service->ports[0].protocol, Protocol::kUDP);
  EXPECT_EQ(std::get<std::string>(service->ports[0].target_port), "dns");
  EXPECT_EQ(service->ports[0].node_port, 30053);
  EXPECT_EQ(service->ports[1].protocol, Protocol::kSCTP);
  EXPECT_EQ(std::get<uint16_t>(service->ports[1].target_port), 9001);
  EXPECT_EQ(service->external_ips[0].ToString(), "192.0.2.1");
  EXPECT_EQ(service->session_affinity, SessionAffinity::kClientIP);
  EXPECT_EQ(service->affinity_timeout_s, 60u);
  EXPECT_EQ(service->external_traffic_policy, TrafficPolicy::kLocal);
  EXPECT_EQ(service->internal_traffic_policy, TrafficPolicy::kLocal);
  EXPECT_EQ(service->load_balancer_source_ranges[0].length, 8);
  EXPECT_EQ(service->health_check_node_port, 32000);
  EXPECT_EQ(service->traffic_distribution, "PreferClose");
  ASSERT_EQ(service->load_balancer_ingress.size(), 3u);
  EXPECT_FALSE(service->load_balancer_ingress[0].proxy_mode);
  EXPECT_TRUE(service->load_balancer_ingress[1].proxy_mode);
  EXPECT_FALSE(service->load_balancer_ingress[2].ip.has_value());
  EXPECT_EQ(service->load_balancer_ingress[2].hostname, "lb.example.com");
}

TEST(ParseService, EmptyTargetPortMeansThePort) {
  absl::StatusOr<Service> service = Load(ServiceYaml("{ports: [{port: 80, targetPort: ''}]}"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(std::get<uint16_t>(service->ports[0].target_port), 80);
}

TEST(ParseService, LegacyGlobalPolicyMeansCluster) {
  absl::StatusOr<Service> service = Load(ServiceYaml("{externalTrafficPolicy: Global}"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->external_traffic_policy, TrafficPolicy::kCluster);
}

TEST(ParseService, ExternalNameIsKept) {
  absl::StatusOr<Service> service =
      Load(ServiceYaml("{type: ExternalName, externalName: db.example.com}"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->type, ServiceType::kExternalName);
  EXPECT_EQ(service->external_name, "db.example.com");
}

TEST(ParseService, SamePortNumberWithAnotherProtocolIsAllowed) {
  absl::StatusOr<Service> service =
      Load(ServiceYaml("{ports: [{name: a, port: 53, protocol: UDP, nodePort: 30053}, "
                       "{name: b, port: 53, nodePort: 30053}]}"));
  EXPECT_TRUE(service.ok()) << service.status();
}

TEST(ParseService, NullFieldsReadAsAbsent) {
  absl::StatusOr<Service> service = Load(ServiceYaml("{clusterIP: ~, ports: null, type: }"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_TRUE(service->ports.empty());
}

struct ErrorCase {
  std::string name;
  std::string text;
  std::string message;
};

class ServiceErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ServiceErrors, NameTheFieldAndTheProblem) {
  absl::StatusOr<Objects> objects = LoadObjectsText(GetParam().text, "svc.yaml");
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    ParseService, ServiceErrors,
    ::testing::Values(
        ErrorCase{"MissingName", "kind: Service\nmetadata: {namespace: a}\n",
                  "svc.yaml: metadata.name: required"},
        ErrorCase{"LabelsNotAMapping", "kind: Service\nmetadata: {name: a, labels: [x]}\n",
                  "svc.yaml: metadata.labels: must be a mapping"},
        ErrorCase{"AnnotationValueNotAString",
                  "kind: Service\nmetadata: {name: a, annotations: {k: [1]}}\n",
                  "svc.yaml: metadata.annotations[\"k\"]: must be a string"},
        ErrorCase{"SpecNotAMapping", ServiceYaml("[1]"), "svc.yaml: spec: must be a mapping"},
        ErrorCase{"UnknownType", ServiceYaml("{type: Foo}"),
                  "svc.yaml: spec.type: \"Foo\" is not one of ClusterIP, NodePort, LoadBalancer, "
                  "ExternalName"},
        ErrorCase{"PortsNotAList", ServiceYaml("{ports: {port: 80}}"),
                  "svc.yaml: spec.ports: must be a list"},
        ErrorCase{"PortMissing", ServiceYaml("{ports: [{name: a}]}"),
                  "svc.yaml: spec.ports[0].port: required"},
        ErrorCase{"PortZero", ServiceYaml("{ports: [{port: 0}]}"),
                  "svc.yaml: spec.ports[0].port: must be between 1 and 65535"},
        ErrorCase{"PortTooLarge", ServiceYaml("{ports: [{port: 65536}]}"),
                  "svc.yaml: spec.ports[0].port: must be between 1 and 65535"},
        ErrorCase{"PortNotANumber", ServiceYaml("{ports: [{port: http}]}"),
                  "svc.yaml: spec.ports[0].port: \"http\" is not an integer"},
        ErrorCase{"PortAMapping", ServiceYaml("{ports: [{port: {a: 1}}]}"),
                  "svc.yaml: spec.ports[0].port: must be an integer"},
        ErrorCase{"UnknownProtocol", ServiceYaml("{ports: [{port: 80, protocol: HTTP}]}"),
                  "svc.yaml: spec.ports[0].protocol: \"HTTP\" is not one of TCP, UDP, SCTP"},
        ErrorCase{"LowercaseProtocol", ServiceYaml("{ports: [{port: 80, protocol: tcp}]}"),
                  "svc.yaml: spec.ports[0].protocol: \"tcp\" is not one of TCP, UDP, SCTP"},
        ErrorCase{"TargetPortTooLarge", ServiceYaml("{ports: [{port: 80, targetPort: 70000}]}"),
                  "svc.yaml: spec.ports[0].targetPort: must be between 1 and 65535"},
        ErrorCase{"TargetPortAList", ServiceYaml("{ports: [{port: 80, targetPort: [1]}]}"),
                  "svc.yaml: spec.ports[0].targetPort: must be an integer or a string"},
        ErrorCase{"NodePortZero", ServiceYaml("{ports: [{port: 80, nodePort: 0}]}"),
                  "svc.yaml: spec.ports[0].nodePort: must be between 1 and 65535"},
        ErrorCase{"NodePortTooLarge", ServiceYaml("{ports: [{port: 80, nodePort: 99999}]}"),
                  "svc.yaml: spec.ports[0].nodePort: must be between 1 and 65535"},
        ErrorCase{"UnnamedPortAmongSeveral",
                  ServiceYaml("{ports: [{name: a, port: 80}, {port: 81}]}"),
                  "svc.yaml: spec.ports[1].name: required when the service has several ports"},
        ErrorCase{"DuplicatePortName",
                  ServiceYaml("{ports: [{name: a, port: 80}, {name: a, port: 81}]}"),
                  "svc.yaml: spec.ports[1].name: \"a\" is already used by ports[0]"},
        ErrorCase{"DuplicatePortAndProtocol",
                  ServiceYaml("{ports: [{name: a, port: 80}, {name: b, port: 80}]}"),
                  "svc.yaml: spec.ports[1].port: 80 is already used by ports[0]"},
        ErrorCase{"DuplicateNodePort",
                  ServiceYaml("{ports: [{name: a, port: 80, nodePort: 30000}, "
                              "{name: b, port: 81, nodePort: 30000}]}"),
                  "svc.yaml: spec.ports[1].nodePort: 30000 is already used by ports[0]"},
        ErrorCase{"InvalidClusterIp", ServiceYaml("{clusterIP: 10.0.0.300}"),
                  "svc.yaml: spec.clusterIP: \"10.0.0.300\" is not a valid IP address"},
        ErrorCase{"InvalidSecondClusterIp",
                  ServiceYaml("{clusterIP: 10.0.0.1, clusterIPs: [10.0.0.1, 'fd00::zz']}"),
                  "svc.yaml: spec.clusterIPs[1]: \"fd00::zz\" is not a valid IP address"},
        ErrorCase{"ClusterIpsDisagreeWithClusterIp",
                  ServiceYaml("{clusterIP: 10.0.0.1, clusterIPs: [10.0.0.2]}"),
                  "svc.yaml: spec.clusterIPs[0]: \"10.0.0.2\" does not match spec.clusterIP "
                  "\"10.0.0.1\""},
        ErrorCase{"MalformedClusterIpsEntryBeforeMismatch",
                  ServiceYaml("{clusterIP: 10.0.0.1, clusterIPs: [10.0.0@1]}"),
                  "svc.yaml: spec.clusterIPs[0]: \"10.0.0@1\" is not a valid IP address"},
        ErrorCase{"NoneAmongAddresses", ServiceYaml("{clusterIPs: [None, 10.0.0.2]}"),
                  "svc.yaml: spec.clusterIPs[0]: \"None\" must be the only entry"},
        ErrorCase{"TwoClusterIpsOfOneFamily", ServiceYaml("{clusterIPs: [10.0.0.1, 10.0.0.2]}"),
                  "svc.yaml: spec.clusterIPs[1]: must be of the other family than the first "
                  "entry"},
        ErrorCase{"ThreeClusterIps", ServiceYaml("{clusterIPs: [10.0.0.1, 'fd00::1', 10.0.0.3]}"),
                  "svc.yaml: spec.clusterIPs: must hold at most one IPv4 and one IPv6 address"},
        ErrorCase{"UnknownIpFamily", ServiceYaml("{ipFamilies: [IPv5]}"),
                  "svc.yaml: spec.ipFamilies[0]: \"IPv5\" is not one of IPv4, IPv6"},
        ErrorCase{"RepeatedIpFamily", ServiceYaml("{ipFamilies: [IPv4, IPv4]}"),
                  "svc.yaml: spec.ipFamilies[1]: must differ from the first entry"},
        ErrorCase{"IpFamilyDisagreesWithClusterIp",
                  ServiceYaml("{clusterIPs: [10.0.0.1], ipFamilies: [IPv6]}"),
                  "svc.yaml: spec.ipFamilies[0]: must match the family of spec.clusterIPs[0]"},
        ErrorCase{"InvalidExternalIp", ServiceYaml("{externalIPs: [1.2.3.4, example.com]}"),
                  "svc.yaml: spec.externalIPs[1]: \"example.com\" is not a valid IP address"},
        ErrorCase{"UnknownSessionAffinity", ServiceYaml("{sessionAffinity: Cookie}"),
                  "svc.yaml: spec.sessionAffinity: \"Cookie\" is not one of None, ClientIP"},
        ErrorCase{"AffinityTimeoutZero",
                  ServiceYaml("{sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}}"),
                  "svc.yaml: spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between "
                  "1 and 86400"},
        ErrorCase{"AffinityTimeoutOverADay",
                  ServiceYaml("{sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}}"),
                  "svc.yaml: spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between "
                  "1 and 86400"},
        ErrorCase{"UnknownExternalPolicy", ServiceYaml("{externalTrafficPolicy: Nearest}"),
                  "svc.yaml: spec.externalTrafficPolicy: \"Nearest\" is not one of Cluster, "
                  "Local, Global"},
        ErrorCase{"UnknownInternalPolicy", ServiceYaml("{internalTrafficPolicy: Global}"),
                  "svc.yaml: spec.internalTrafficPolicy: \"Global\" is not one of Cluster, Local"},
        ErrorCase{"SourceRangeWithoutLength", ServiceYaml("{loadBalancerSourceRanges: [10.0.0.1]}"),
                  "svc.yaml: spec.loadBalancerSourceRanges[0]: \"10.0.0.1\" is not a valid CIDR"},
        ErrorCase{"SourceRangeTooLong", ServiceYaml("{loadBalancerSourceRanges: [10.0.0.0/33]}"),
                  "svc.yaml: spec.loadBalancerSourceRanges[0]: \"10.0.0.0/33\" is not a valid "
                  "CIDR"},
        ErrorCase{"HealthCheckNodePortTooLarge", ServiceYaml("{healthCheckNodePort: 65536}"),
                  "svc.yaml: spec.healthCheckNodePort: must be between 1 and 65535"},
        ErrorCase{"InvalidIngressIp",
                  ServiceYaml("{}", "status: {loadBalancer: {ingress: [{ip: 300.1.1.1}]}}"),
                  "svc.yaml: status.loadBalancer.ingress[0].ip: \"300.1.1.1\" is not a valid IP "
                  "address"},
        ErrorCase{
            "UnknownIpMode",
            ServiceYaml("{}", "status: {loadBalancer: {ingress: [{ip: 1.1.1.1, ipMode: X}]}}"),
            "svc.yaml: status.loadBalancer.ingress[0].ipMode: \"X\" is not one of VIP, "
            "Proxy"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::k8s
