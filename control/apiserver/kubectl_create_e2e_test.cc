// The real kubectl's imperative `kubectl create <kind>`, whose typed clients
// POST protobuf bodies (`application/vnd.kubernetes.protobuf`): what they
// asked for is what `kubectl get -o json` shows.
#include <string>

#include "control/apiserver/kubectl_test_util.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

class KubectlCreateTest : public KubectlTest {
 protected:
  static json GetJson(const std::string& what) {
    Result got = Kubectl("get " + what + " -o json");
    EXPECT_EQ(got.code, 0) << got.output;
    json object = json::parse(got.output, nullptr, false);
    EXPECT_TRUE(object.is_object()) << got.output;
    return object.is_object() ? object : json::object();
  }
  static void Delete(const std::string& what) {
    Result deleted = Kubectl("delete " + what + " --wait=false");
    EXPECT_EQ(deleted.code, 0) << deleted.output;
  }
};

TEST_F(KubectlCreateTest, CreateSendsProtobufAndTheServerReadsIt) {
  Result created = Kubectl("create configmap wire-check --from-literal=a=b -v=8");
  ASSERT_EQ(created.code, 0) << created.output;
  // The point of this suite: kubectl sent protobuf, not JSON.
  EXPECT_THAT(created.output, HasSubstr("Content-Type: application/vnd.kubernetes.protobuf"));
  EXPECT_THAT(created.output, HasSubstr("configmap/wire-check created"));
  EXPECT_EQ(GetJson("configmap wire-check")["data"], json({{"a", "b"}}));
  Delete("configmap wire-check");
}

TEST_F(KubectlCreateTest, NamespaceConfigMapSecretsAndServiceAccount) {
  Result ns = Kubectl("create namespace team");
  ASSERT_EQ(ns.code, 0) << ns.output;
  EXPECT_THAT(ns.output, HasSubstr("namespace/team created"));
  EXPECT_EQ(GetJson("namespace team")["status"]["phase"], "Active");

  Result cm = Kubectl(
      "create configmap settings -n team --from-literal=mode=fast "
      "--from-literal=level=3");
  ASSERT_EQ(cm.code, 0) << cm.output;
  EXPECT_EQ(GetJson("configmap settings -n team")["data"],
            json({{"mode", "fast"}, {"level", "3"}}));

  Result secret = Kubectl("create secret generic creds -n team --from-literal=password=s3cret");
  ASSERT_EQ(secret.code, 0) << secret.output;
  json creds = GetJson("secret creds -n team");
  EXPECT_EQ(creds["type"], "Opaque");
  EXPECT_EQ(creds["data"], json({{"password", "czNjcmV0"}}));  // base64 of s3cret

  Result registry = Kubectl(
      "create secret docker-registry pull -n team "
      "--docker-server=registry.example --docker-username=u "
      "--docker-password=p");
  ASSERT_EQ(registry.code, 0) << registry.output;
  json pull = GetJson("secret pull -n team");
  EXPECT_EQ(pull["type"], "kubernetes.io/dockerconfigjson");
  EXPECT_TRUE(pull["data"].contains(".dockerconfigjson")) << pull.dump();

  // The server's own certificate and key will do as a TLS pair.
  Result tls = Kubectl("create secret tls serving -n team --cert=" + *dir_ +
                       "/data/tls/apiserver.crt --key=" + *dir_ + "/data/tls/apiserver.key");
  ASSERT_EQ(tls.code, 0) << tls.output;
  json serving = GetJson("secret serving -n team");
  EXPECT_EQ(serving["type"], "kubernetes.io/tls");
  EXPECT_TRUE(serving["data"].contains("tls.crt") && serving["data"].contains("tls.key"))
      << serving.dump();

  Result sa = Kubectl("create serviceaccount builder -n team");
  ASSERT_EQ(sa.code, 0) << sa.output;
  EXPECT_EQ(GetJson("serviceaccount builder -n team")["metadata"]["namespace"], "team");

  Delete("namespace team");
}

TEST_F(KubectlCreateTest, DeploymentWithImageReplicasPortAndCommand) {
  Result created = Kubectl(
      "create deployment web --image=nginx:1.27 --replicas=2 --port=8080 "
      "-- sleep 3600");
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("deployment.apps/web created"));
  json d = GetJson("deployment web");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(d["spec"]["selector"]["matchLabels"], json({{"app", "web"}}));
  EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"], json({{"app", "web"}}));
  const json& container = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["name"], "nginx");
  EXPECT_EQ(container["image"], "nginx:1.27");
  EXPECT_EQ(container["command"], json({"sleep", "3600"}));
  EXPECT_EQ(container["ports"][0]["containerPort"], 8080);
  // The server's defaults apply as to a JSON body.
  EXPECT_EQ(container["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  Delete("deployment web");
}

TEST_F(KubectlCreateTest, ServicesOfEveryType) {
  Result cluster_ip = Kubectl("create service clusterip web --tcp=80:8080 --tcp=443:https");
  ASSERT_EQ(cluster_ip.code, 0) << cluster_ip.output;
  json web = GetJson("service web");
  EXPECT_EQ(web["spec"]["type"], "ClusterIP");
  EXPECT_EQ(web["spec"]["selector"], json({{"app", "web"}}));
  EXPECT_FALSE(web["spec"]["clusterIP"].get<std::string>().empty());
  ASSERT_EQ(web["spec"]["ports"].size(), 2u) << web.dump();
  EXPECT_EQ(web["spec"]["ports"][0]["port"], 80);
  EXPECT_EQ(web["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(web["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(web["spec"]["ports"][1]["targetPort"], "https");

  Result headless = Kubectl("create service clusterip quiet --clusterip=None --tcp=53:53");
  ASSERT_EQ(headless.code, 0) << headless.output;
  EXPECT_EQ(GetJson("service quiet")["spec"]["clusterIP"], "None");

  Result node_port = Kubectl("create service nodeport np --tcp=5678:8080 --node-port=30678");
  ASSERT_EQ(node_port.code, 0) << node_port.output;
  json np = GetJson("service np");
  EXPECT_EQ(np["spec"]["type"], "NodePort");
  EXPECT_EQ(np["spec"]["ports"][0]["nodePort"], 30678);
  EXPECT_EQ(np["spec"]["ports"][0]["targetPort"], 8080);

  Result lb = Kubectl("create service loadbalancer lb --tcp=80:8080");
  ASSERT_EQ(lb.code, 0) << lb.output;
  json balancer = GetJson("service lb");
  EXPECT_EQ(balancer["spec"]["type"], "LoadBalancer");
  EXPECT_GT(balancer["spec"]["ports"][0]["nodePort"].get<int>(), 0) << balancer.dump();

  Result external = Kubectl("create service externalname ext --external-name=db.example.com");
  ASSERT_EQ(external.code, 0) << external.output;
  EXPECT_EQ(GetJson("service ext")["spec"]["externalName"], "db.example.com");

  Delete("service web quiet np lb ext");
}

TEST_F(KubectlCreateTest, InvalidObjectsAreRefusedAsForJson) {
  Result bad = Kubectl("create service clusterip Bad_Name --tcp=80:8080");
  EXPECT_NE(bad.code, 0) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("is invalid"));
  Result missing_ns = Kubectl("create configmap c -n nowhere --from-literal=a=b");
  EXPECT_NE(missing_ns.code, 0) << missing_ns.output;
  EXPECT_THAT(missing_ns.output, HasSubstr("namespaces \"nowhere\" not found"));
}

TEST_F(KubectlCreateTest, GarbledProtobufIsABadRequest) {
  std::string curl = "curl -sS --cacert " + Ca() +
                     " -w '\\n%{http_code}' -H \"Authorization: " + "Bearer $(cat " + *dir_ +
                     "/data/tokens/admin.token)\" " +
                     "-H 'Content-Type: application/vnd.kubernetes.protobuf' --data-binary @" +
                     File("garbled.pb", std::string("k8s\0\x0a\xff\xff", 7)) + " " + Url() +
                     "/api/v1/namespaces/default/configmaps";
  Result answer = RunBounded(*dir_, curl);
  ASSERT_EQ(answer.code, 0) << answer.output;
  EXPECT_THAT(answer.output, HasSubstr("\"reason\":\"BadRequest\""));
  EXPECT_THAT(answer.output, HasSubstr("the protobuf body is malformed"));
  EXPECT_THAT(answer.output, ::testing::EndsWith("\n400"));
}

}  // namespace
}  // namespace sluice::apiserver
