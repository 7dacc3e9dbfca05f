// Protobuf request bodies built by hand, field by field as gogo-protobuf
// writes them (every non-pointer field, zero or not), decoded to JSON.
#include "control/apiserver/proto_object.h"

#include <string>

#include "control/apiserver/api_error.h"
#include "control/apiserver/apiserver_test_util.h"
#include "control/apiserver/json_yaml.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

std::string Varint(uint64_t v) {
  std::string out;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(byte | (v ? 0x80 : 0)));
  } while (v);
  return out;
}
std::string Int(uint32_t number, uint64_t v) {
  return Varint(number << 3) + Varint(v);
}
std::string Len(uint32_t number, const std::string& bytes) {
  return Varint((number << 3) | 2) + Varint(bytes.size()) + bytes;
}
std::string Entry(uint32_t number, const std::string& key, const std::string& value) {
  return Len(number, Len(1, key) + Len(2, value));
}
// "k8s\0" + runtime.Unknown{typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2}.
std::string Envelope(const std::string& api_version, const std::string& kind,
                     const std::string& raw) {
  return std::string("k8s\0", 4) + Len(1, Len(1, api_version) + Len(2, kind)) + Len(2, raw);
}
// ObjectMeta as kubectl writes it: empty strings and a zero creationTimestamp.
std::string Meta(const std::string& name, const std::string& extra = "") {
  return Len(1, Len(1, name) + Len(2, "") + Len(3, "") + Int(7, 0) + Len(8, "") + extra);
}
// IntOrString{type, intVal, strVal}.
std::string IntOrString(uint64_t type, uint64_t int_value, const std::string& string_value) {
  return Int(1, type) + Int(2, int_value) + Len(3, string_value);
}

json Decode(const std::string& body) {
  auto decoded = ProtoObjectToJson(body);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : json();
}

int ErrorCode(const std::string& body, std::string* message = nullptr) {
  auto decoded = ProtoObjectToJson(body);
  if (decoded.ok()) return 0;
  if (message != nullptr) *message = std::string(decoded.status().message());
  return HttpCode(decoded.status());
}

TEST(ProtoObject, ConfigMapKeepsMetadataAndData) {
  std::string meta =
      Meta("settings", Entry(11, "app", "web") + Entry(11, "tier", "") + Entry(12, "note", "hi"));
  json cm = Decode(Envelope("v1", "ConfigMap",
                            meta + Entry(2, "a", "b") + Entry(3, "blob", std::string("\0\1", 2))));
  EXPECT_EQ(cm["apiVersion"], "v1");
  EXPECT_EQ(cm["kind"], "ConfigMap");
  EXPECT_EQ(cm["metadata"], json::parse(R"({"name":"settings","labels":{"app":"web","tier":""},
                            "annotations":{"note":"hi"}})"));
  EXPECT_EQ(cm["data"], json::parse(R"({"a":"b"})"));
  EXPECT_EQ(cm["binaryData"], json::parse(R"({"blob":"AAE="})"));
  EXPECT_FALSE(cm.contains("immutable"));
}

TEST(ProtoObject, PointerZeroIsKeptAndPlainZeroIsUnset) {
  // Deployment.spec.replicas is *int32: 0 is meant; minReadySeconds is not.
  std::string spec = Int(1, 0) + Int(5, 0) + Int(7, 0);
  json d = Decode(Envelope("apps/v1", "Deployment", Meta("web") + Len(2, spec)));
  EXPECT_EQ(d["spec"], json::parse(R"({"replicas":0})"));
  json cm = Decode(Envelope("v1", "ConfigMap", Meta("c") + Int(4, 0)));
  EXPECT_EQ(cm["immutable"], false);
}

TEST(ProtoObject, ServicePortTargetPortIsIntOrString) {
  std::string by_number =
      Len(1, "http") + Len(2, "TCP") + Int(3, 80) + Len(4, IntOrString(0, 8080, "")) + Int(5, 0);
  std::string by_name =
      Len(1, "") + Len(2, "TCP") + Int(3, 443) + Len(4, IntOrString(1, 0, "https")) + Int(5, 30443);
  std::string unset =
      Len(1, "") + Len(2, "UDP") + Int(3, 53) + Len(4, IntOrString(0, 0, "")) + Int(5, 0);
  std::string spec = Len(1, by_number) + Len(1, by_name) + Len(1, unset) + Entry(2, "app", "web") +
                     Len(3, "") + Len(4, "NodePort") + Int(12, 0) + Int(13, 0);
  json svc = Decode(Envelope("v1", "Service", Meta("web") + Len(2, spec) + Len(3, Len(1, ""))));
  EXPECT_EQ(svc["spec"], json::parse(R"({
    "ports": [{"name":"http","protocol":"TCP","port":80,"targetPort":8080},
              {"protocol":"TCP","port":443,"targetPort":"https","nodePort":30443},
              {"protocol":"UDP","port":53}],
    "selector": {"app":"web"}, "type": "NodePort"})"));
  EXPECT_FALSE(svc.contains("status"));
}

// A Deployment as `kubectl create deployment` sends it, with env, resources
// and a rolling update of its own.
std::string WebDeployment() {
  std::string resources = Entry(1, "cpu", Len(1, "500m")) + Entry(2, "memory", Len(1, "64Mi"));
  std::string env_from_secret =
      Len(1, "TOKEN") + Len(2, "") + Len(3, Len(4, Len(1, Len(1, "creds")) + Len(2, "token")));
  std::string container = Len(1, "nginx") + Len(2, "nginx:1.27") + Len(3, "sh") + Len(4, "-c") +
                          Len(4, "sleep 1") + Len(5, "") +
                          Len(6, Len(1, "") + Int(2, 0) + Int(3, 80) + Len(4, "TCP")) +
                          Len(7, Len(1, "MODE") + Len(2, "fast")) + Len(7, env_from_secret) +
                          Len(8, resources) + Len(13, "") + Len(14, "") + Int(16, 0);
  std::string template_spec = Len(1, Entry(11, "app", "web") + Len(8, "")) +
                              Len(2, Len(2, container) + Len(3, "") + Len(6, ""));
  std::string spec = Int(1, 2) + Len(2, Entry(1, "app", "web")) + Len(3, template_spec) +
                     Len(4, Len(1, "") + Len(2, Len(1, IntOrString(1, 0, "25%")) +
                                                    Len(2, IntOrString(0, 0, "")))) +
                     Int(5, 0);
  // DeploymentStatus as kubectl writes it: every count 0.
  std::string status = Int(1, 0) + Int(2, 0) + Int(3, 0) + Int(4, 0) + Int(5, 0);
  return Envelope("apps/v1", "Deployment", Meta("web") + Len(2, spec) + Len(3, status));
}

TEST(ProtoObject, DeploymentTemplateContainersAndResources) {
  json d = Decode(WebDeployment());
  EXPECT_EQ(d["spec"], json::parse(R"({
    "replicas": 2,
    "selector": {"matchLabels": {"app":"web"}},
    "template": {"metadata": {"labels": {"app":"web"}},
                 "spec": {"containers": [{
                   "name": "nginx", "image": "nginx:1.27", "command": ["sh"],
                   "args": ["-c", "sleep 1"],
                   "ports": [{"containerPort": 80, "protocol": "TCP"}],
                   "env": [{"name": "MODE", "value": "fast"},
                           {"name": "TOKEN",
                            "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
                   "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}}}]}},
    "strategy": {"rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 0}}})"));
  EXPECT_FALSE(d.contains("status"));
}

TEST(ProtoObject, ReplicaSetAndPodShareThePodSpec) {
  std::string pod_spec = Len(2, Len(1, "c") + Len(2, "busybox")) + Len(3, "Never") +
                         Len(22, Len(1, "k") + Len(2, "Exists") + Int(5, 0));
  json rs = Decode(
      Envelope("apps/v1", "ReplicaSet", Meta("rs") + Len(2, Int(1, 3) + Len(3, Len(2, pod_spec)))));
  EXPECT_EQ(rs["spec"], json::parse(R"({"replicas": 3, "template": {"spec": {
    "containers": [{"name":"c","image":"busybox"}], "restartPolicy": "Never",
    "tolerations": [{"key":"k","operator":"Exists","tolerationSeconds":0}]}}})"));
  json pod = Decode(Envelope("v1", "Pod", Meta("p") + Len(2, pod_spec)));
  EXPECT_EQ(pod["spec"], rs["spec"]["template"]["spec"]);
}

TEST(ProtoObject, SecretDataIsBase64AndTimesAreRfc3339) {
  std::string meta = Meta("creds", Len(9, Int(1, 1700000000)));
  json s = Decode(
      Envelope("v1", "Secret",
               meta + Entry(2, "pw", "s3cret") + Len(3, "Opaque") + Entry(4, "plain", "text")));
  EXPECT_EQ(s["data"], json::parse(R"({"pw":"czNjcmV0"})"));
  EXPECT_EQ(s["stringData"], json::parse(R"({"plain":"text"})"));
  EXPECT_EQ(s["type"], "Opaque");
  EXPECT_EQ(s["metadata"]["deletionTimestamp"], "2023-11-14T22:13:20Z");
}

// A Lease as client-go's leader election writes it.
std::string LeaderLease(uint64_t transitions) {
  std::string spec = Len(1, "sched-1") + Int(2, 15) +
                     Len(4, Int(1, 1700000000) + Int(2, 123456789)) + Int(5, transitions);
  return Envelope("coordination.k8s.io/v1", "Lease", Meta("sched") + Len(2, spec));
}

TEST(ProtoObject, LeaseTimesAreMicroTimesAndPointerZerosStay) {
  json lease = Decode(LeaderLease(0));
  EXPECT_EQ(lease["spec"], json::parse(R"({"holderIdentity":"sched-1","leaseDurationSeconds":15,
    "renewTime":"2023-11-14T22:13:20.123456Z","leaseTransitions":0})"));
}

TEST(ProtoObject, EventsAndEndpoints) {
  std::string ref = Len(1, "Pod") + Len(2, "default") + Len(3, "web-1");
  json event =
      Decode(Envelope("v1", "Event",
                      Meta("web-1.1") + Len(2, ref) + Len(3, "Scheduled") + Len(4, "assigned") +
                          Len(5, Len(1, "scheduler") + Len(2, "")) + Len(6, Int(1, 1700000000)) +
                          Len(7, "") + Int(8, 1) + Len(9, "Normal") + Len(10, "")));
  EXPECT_EQ(event["involvedObject"],
            json::parse(R"({"kind":"Pod","namespace":"default","name":"web-1"})"));
  EXPECT_EQ(event["source"], json::parse(R"({"component":"scheduler"})"));
  EXPECT_EQ(event["firstTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_FALSE(event.contains("lastTimestamp"));
  EXPECT_FALSE(event.contains("eventTime"));
  EXPECT_EQ(event["count"], 1);

  std::string address = Len(1, "10.1.0.5") + Len(2, ref) + Len(3, "") + Len(4, "n1");
  json endpoints = Decode(Envelope(
      "v1", "Endpoints",
      Meta("web") +
          Len(2, Len(1, address) + Len(3, Len(1, "http") + Int(2, 8080) + Len(3, "TCP")))));
  EXPECT_EQ(endpoints["subsets"], json::parse(R"([{
    "addresses": [{"ip":"10.1.0.5","nodeName":"n1",
                   "targetRef":{"kind":"Pod","namespace":"default","name":"web-1"}}],
    "ports": [{"name":"http","port":8080,"protocol":"TCP"}]}])"));
}

TEST_F(ApiServerTest, ProtobufBodiesCreateAndUpdateThroughTheRouter) {
  const std::string leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
  const char* kProtobuf = "application/vnd.kubernetes.protobuf";
  Reply created = Call("POST", leases, LeaderLease(0), kProtobuf);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["spec"]["renewTime"], "2023-11-14T22:13:20.123456Z");
  EXPECT_FALSE(created.body["metadata"]["uid"].get<std::string>().empty());
  Reply updated = Call("PUT", leases + "/sched", LeaderLease(1), kProtobuf);
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(Get(leases + "/sched").body["spec"]["leaseTransitions"], 1);
}

TEST(ProtoObject, FieldTheServerDoesNotKnowIsRefusedWithItsPath) {
  // Container.securityContext (15) is not described; holding a value, it is
  // refused rather than dropped.
  std::string container = Len(1, "c") + Len(2, "busybox") + Len(15, Int(2, 1));
  std::string body = Envelope("v1", "Pod", Meta("p") + Len(2, Len(2, container)));
  std::string message;
  EXPECT_EQ(ErrorCode(body, &message), 400);
  EXPECT_THAT(message, HasSubstr("spec.containers[0]: field 15 of Container is not supported"));
}

TEST(ProtoObject, MalformedBodiesAreBadRequests) {
  std::string message;
  EXPECT_EQ(ErrorCode("{\"kind\":\"ConfigMap\"}", &message), 400);
  EXPECT_THAT(message, HasSubstr("k8s"));
  std::string good = Envelope("v1", "ConfigMap", Meta("c") + Entry(2, "a", "b"));
  EXPECT_EQ(ErrorCode(good.substr(0, good.size() - 1)), 400);  // truncated
  EXPECT_EQ(ErrorCode(Envelope("v1", "ConfigMap", Meta("c") + Int(2, 7)), &message), 400);
  EXPECT_THAT(message, HasSubstr("data: the protobuf body is malformed: wire type 0"));
  EXPECT_EQ(ErrorCode(Envelope("v1", "ConfigMap", Meta(std::string("\xff\xfe", 2))), &message),
            400);
  EXPECT_THAT(message, HasSubstr("metadata.name: the protobuf body is malformed: a string is not "
                                 "UTF-8"));
  EXPECT_EQ(ErrorCode(Envelope("batch/v1", "Job", Meta("j")), &message), 400);
  EXPECT_THAT(message, HasSubstr("does not read batch/v1 Job in protobuf"));
  EXPECT_EQ(ErrorCode(Envelope("v1", "Job\xff", Meta("j")), &message), 400);
  EXPECT_THAT(message, HasSubstr("does not read v1 Job\\xff in protobuf"));
  EXPECT_EQ(ErrorCode(std::string("k8s\0", 4) + "\xff\xff\xff", &message), 400);
}

TEST(ProtoObject, EveryTruncationOrDamagedByteIsOkOrBadRequestNeverACrash) {
  const std::string body = WebDeployment();
  auto ok_or_bad_request = [](const std::string& damaged) {
    auto decoded = ProtoObjectToJson(damaged);
    if (decoded.ok()) return !decoded->dump().empty();  // dump throws on bad UTF-8
    return HttpCode(decoded.status()) == 400;
  };
  for (size_t n = 0; n < body.size(); ++n)
    EXPECT_TRUE(ok_or_bad_request(body.substr(0, n))) << "truncated to " << n;
  for (size_t i = 0; i < body.size(); ++i) {
    for (char byte : {'\x00', '\x7f', '\x80', '\xff'}) {
      std::string damaged = body;
      damaged[i] = byte;
      EXPECT_TRUE(ok_or_bad_request(damaged)) << "byte " << i << " set to " << int(byte);
    }
  }
}

TEST(ProtoObject, DeeplyNestedUnknownFieldsAreRefusedNotRecursedForever) {
  std::string nested = Int(1, 1);
  for (int i = 0; i < 200; ++i) nested = Len(1, nested);
  EXPECT_EQ(ErrorCode(Envelope("v1", "Namespace", Meta("n") + Len(3, nested))), 400);
}

TEST(ProtoObject, ParseBodyReadsProtobufByContentType) {
  auto body = ParseBody(Envelope("v1", "Namespace", Meta("team") + Len(2, "") + Len(3, "")),
                        "application/vnd.kubernetes.protobuf");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, json::parse(R"({"apiVersion":"v1","kind":"Namespace",
                                   "metadata":{"name":"team"},"spec":{}})"));
}

TEST(ProtoMessages, EveryReferencedMessageIsDescribed) {
  for (const ProtoMessageSpec& message : ProtoMessages()) {
    for (const ProtoFieldSpec& field : message.fields) {
      if (field.type != ProtoType::kMessage && field.type != ProtoType::kInline) continue;
      EXPECT_NE(FindProtoMessage(field.message), nullptr) << message.name << "." << field.json_name;
    }
  }
}

}  // namespace
}  // namespace sluice::apiserver
