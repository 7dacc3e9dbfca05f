// EndpointSlice fields and their validation, through the public loader so that
// the messages are checked exactly as users see them.
#include <string>

#include "control/k8s/objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::k8s {
namespace {

using ::testing::ElementsAre;

// An EndpointSlice named "s" with the given top-level YAML fields.
std::string SliceYaml(absl::string_view fields) {
  return std::string("kind: EndpointSlice\nmetadata: {name: s}\n") + std::string(fields) + "\n";
}

absl::StatusOr<EndpointSlice> Load(const std::string& text) {
  absl::StatusOr<Objects> objects = LoadObjectsText(text, "slice.yaml");
  if (!objects.ok()) return objects.status();
  if (objects->endpoint_slices.size() != 1) return absl::InternalError("want exactly one slice");
  return objects->endpoint_slices[0];
}

TEST(ParseEndpointSlice, AbsentConditionsStayAbsent) {
  absl::StatusOr<EndpointSlice> slice =
      Load(SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1]}]"));
  ASSERT_TRUE(slice.ok()) << slice.status();
  const EndpointConditions& conditions = slice->endpoints[0].conditions;
  EXPECT_FALSE(conditions.ready.has_value());
  EXPECT_FALSE(conditions.serving.has_value());
  EXPECT_FALSE(conditions.terminating.has_value());
}

TEST(ParseEndpointSlice, ReadsEndpointsAndPorts) {
  absl::StatusOr<EndpointSlice> slice = Load(SliceYaml(R"(addressType: IPv6
endpoints:
- addresses: ["fd00::1", "fd00::2"]
  conditions: {ready: false, serving: true, terminating: true}
  nodeName: node-a
  zone: zone-a
  hints: {forZones: [{name: zone-a}, {name: zone-b}]}
ports:
- {name: http, port: 8080, protocol: TCP}
- {name: dns, port: 53, protocol: UDP}
- {})"));
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_EQ(slice->address_type, AddressType::kIPv6);
  const Endpoint& endpoint = slice->endpoints[0];
  ASSERT_EQ(endpoint.addresses.size(), 2u);
  EXPECT_EQ(endpoint.addresses[1].ToString(), "fd00::2");
  EXPECT_EQ(endpoint.conditions.ready, false);
  EXPECT_EQ(endpoint.conditions.serving, true);
  EXPECT_EQ(endpoint.conditions.terminating, true);
  EXPECT_EQ(endpoint.node_name, "node-a");
  EXPECT_EQ(endpoint.zone, "zone-a");
  EXPECT_THAT(endpoint.hint_zones, ElementsAre("zone-a", "zone-b"));
  ASSERT_EQ(slice->ports.size(), 3u);
  EXPECT_EQ(slice->ports[1].protocol, Protocol::kUDP);
  EXPECT_EQ(slice->ports[2].name, "");
  EXPECT_FALSE(slice->ports[2].port.has_value());
  EXPECT_EQ(slice->ports[2].protocol, Protocol::kTCP);
}

TEST(ParseEndpointSlice, FqdnAddressesAreKeptAsNames) {
  absl::StatusOr<EndpointSlice> slice =
      Load(SliceYaml("addressType: FQDN\nendpoints: [{addresses: [db.example.com]}]"));
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_TRUE(slice->endpoints[0].addresses.empty());
  EXPECT_THAT(slice->endpoints[0].fqdn_addresses, ElementsAre("db.example.com"));
}

TEST(ParseEndpointSlice, YamlSpellingsOfBooleansAreAccepted) {
  absl::StatusOr<EndpointSlice> slice = Load(
      SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], conditions: {ready: True, "
                "terminating: FALSE}}]"));
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_EQ(slice->endpoints[0].conditions.ready, true);
  EXPECT_EQ(slice->endpoints[0].conditions.terminating, false);
}

struct ErrorCase {
  std::string name;
  std::string text;
  std::string message;
};

class EndpointSliceErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(EndpointSliceErrors, NameTheFieldAndTheProblem) {
  absl::StatusOr<Objects> objects = LoadObjectsText(GetParam().text, "slice.yaml");
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    ParseEndpointSlice, EndpointSliceErrors,
    ::testing::Values(
        ErrorCase{"MissingAddressType", SliceYaml("endpoints: []"),
                  "slice.yaml: addressType: required"},
        ErrorCase{"UnknownAddressType", SliceYaml("addressType: IPv5"),
                  "slice.yaml: addressType: \"IPv5\" is not one of IPv4, IPv6, FQDN"},
        ErrorCase{"EndpointsNotAList", SliceYaml("addressType: IPv4\nendpoints: 3"),
                  "slice.yaml: endpoints: must be a list"},
        ErrorCase{"EndpointWithoutAddresses", SliceYaml("addressType: IPv4\nendpoints: [{}]"),
                  "slice.yaml: endpoints[0].addresses: must hold at least one address"},
        ErrorCase{"InvalidAddress",
                  SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1]}, "
                            "{addresses: [10.0.0.256]}]"),
                  "slice.yaml: endpoints[1].addresses[0]: \"10.0.0.256\" is not a valid IP "
                  "address"},
        ErrorCase{"V6AddressInV4Slice",
                  SliceYaml("addressType: IPv4\nendpoints: [{addresses: ['fd00::1']}]"),
                  "slice.yaml: endpoints[0].addresses[0]: \"fd00::1\" is not an IPv4 address, "
                  "as addressType says"},
        ErrorCase{"V4AddressInV6Slice",
                  SliceYaml("addressType: IPv6\nendpoints: [{addresses: [10.0.0.1]}]"),
                  "slice.yaml: endpoints[0].addresses[0]: \"10.0.0.1\" is not an IPv6 address, "
                  "as addressType says"},
        ErrorCase{"ReadyNotABoolean",
                  SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], "
                            "conditions: {ready: yes}}]"),
                  "slice.yaml: endpoints[0].conditions.ready: must be true or false"},
        ErrorCase{"ConditionsNotAMapping",
                  SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], "
                            "conditions: [ready]}]"),
                  "slice.yaml: endpoints[0].conditions: must be a mapping"},
        ErrorCase{"PortZero", SliceYaml("addressType: IPv4\nports: [{port: 0}]"),
                  "slice.yaml: ports[0].port: must be between 1 and 65535"},
        ErrorCase{"UnknownProtocol",
                  SliceYaml("addressType: IPv4\nports: [{port: 80, protocol: ICMP}]"),
                  "slice.yaml: ports[0].protocol: \"ICMP\" is not one of TCP, UDP, SCTP"},
        ErrorCase{"HintZoneNotAMapping",
                  SliceYaml("addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], "
                            "hints: {forZones: [zone-a]}}]"),
                  "slice.yaml: endpoints[0].hints.forZones[0]: must be a mapping"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::k8s
