#include "control/apiserver/proto_messages.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace sluice::apiserver {
namespace {

using T = ProtoType;

ProtoFieldSpec Field(uint32_t number, const char* name, ProtoType type) {
  return {.number = number, .json_name = name, .type = type};
}
ProtoFieldSpec String(uint32_t n, const char* name) {
  return Field(n, name, T::kString);
}
ProtoFieldSpec Strings(uint32_t n, const char* name) {
  ProtoFieldSpec f = String(n, name);
  f.repeated = true;
  return f;
}
ProtoFieldSpec Pointer(ProtoFieldSpec f) {
  f.pointer = true;
  return f;
}
ProtoFieldSpec Int32(uint32_t n, const char* name) {
  return Field(n, name, T::kInt32);
}
ProtoFieldSpec Int64(uint32_t n, const char* name) {
  return Field(n, name, T::kInt64);
}
ProtoFieldSpec Bool(uint32_t n, const char* name) {
  return Field(n, name, T::kBool);
}
ProtoFieldSpec Message(uint32_t n, const char* name, const char* message) {
  ProtoFieldSpec f = Field(n, name, T::kMessage);
  f.message = message;
  return f;
}
ProtoFieldSpec Messages(uint32_t n, const char* name, const char* message) {
  ProtoFieldSpec f = Message(n, name, message);
  f.repeated = true;
  return f;
}
ProtoFieldSpec Inline(uint32_t n, const char* message) {
  ProtoFieldSpec f = Field(n, "", T::kInline);
  f.message = message;
  return f;
}

// Field numbers from k8s.io/api/{core,apps,coordination}/v1/generated.proto and
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto; pointers as the Go
// types declare them. Fields left out (status, security contexts, affinity,
// most volume sources) are refused when they hold anything (proto_object.cc).
std::vector<ProtoMessageSpec> MakeMessages() {
  return {
      // meta/v1
      {"ObjectMeta",
       {String(1, "name"), String(2, "generateName"), String(3, "namespace"), String(5, "uid"),
        String(6, "resourceVersion"), Int64(7, "generation"),
        Field(8, "creationTimestamp", T::kTime), Field(9, "deletionTimestamp", T::kTime),
        Pointer(Int64(10, "deletionGracePeriodSeconds")), Field(11, "labels", T::kStringMap),
        Field(12, "annotations", T::kStringMap), Messages(13, "ownerReferences", "OwnerReference"),
        Strings(14, "finalizers")}},
      {"OwnerReference",
       {String(5, "apiVersion"), String(1, "kind"), String(3, "name"), String(4, "uid"),
        Pointer(Bool(6, "controller")), Pointer(Bool(7, "blockOwnerDeletion"))}},
      {"LabelSelector",
       {Field(1, "matchLabels", T::kStringMap),
        Messages(2, "matchExpressions", "LabelSelectorRequirement")}},
      {"LabelSelectorRequirement", {String(1, "key"), String(2, "operator"), Strings(3, "values")}},

      // core/v1 objects
      {"Namespace", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "NamespaceSpec")}},
      {"NamespaceSpec", {Strings(1, "finalizers")}},
      {"ConfigMap",
       {Message(1, "metadata", "ObjectMeta"), Field(2, "data", T::kStringMap),
        Field(3, "binaryData", T::kBytesMap), Pointer(Bool(4, "immutable"))}},
      {"Secret",
       {Message(1, "metadata", "ObjectMeta"), Field(2, "data", T::kBytesMap), String(3, "type"),
        Field(4, "stringData", T::kStringMap), Pointer(Bool(5, "immutable"))}},
      {"ServiceAccount",
       {Message(1, "metadata", "ObjectMeta"), Messages(2, "secrets", "ObjectReference"),
        Messages(3, "imagePullSecrets", "LocalObjectReference"),
        Pointer(Bool(4, "automountServiceAccountToken"))}},
      {"ObjectReference",
       {String(1, "kind"), String(2, "namespace"), String(3, "name"), String(4, "uid"),
        String(5, "apiVersion"), String(6, "resourceVersion"), String(7, "fieldPath")}},
      {"LocalObjectReference", {String(1, "name")}},
      {"Service", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "ServiceSpec")}},
      {"ServiceSpec",
       {Messages(1, "ports", "ServicePort"),
        Field(2, "selector", T::kStringMap),
        String(3, "clusterIP"),
        String(4, "type"),
        Strings(5, "externalIPs"),
        String(7, "sessionAffinity"),
        String(8, "loadBalancerIP"),
        Strings(9, "loadBalancerSourceRanges"),
        String(10, "externalName"),
        String(11, "externalTrafficPolicy"),
        Int32(12, "healthCheckNodePort"),
        Bool(13, "publishNotReadyAddresses"),
        Message(14, "sessionAffinityConfig", "SessionAffinityConfig"),
        String(17, "ipFamilyPolicy"),
        Strings(18, "clusterIPs"),
        Strings(19, "ipFamilies"),
        Pointer(Bool(20, "allocateLoadBalancerNodePorts")),
        String(21, "loadBalancerClass"),
        String(22, "internalTrafficPolicy"),
        String(23, "trafficDistribution")}},
      {"ServicePort",
       {String(1, "name"), String(2, "protocol"), Int32(3, "port"),
        Field(4, "targetPort", T::kIntOrString), Int32(5, "nodePort"), String(6, "appProtocol")}},
      {"SessionAffinityConfig", {Message(1, "clientIP", "ClientIPConfig")}},
      {"ClientIPConfig", {Pointer(Int32(1, "timeoutSeconds"))}},
      {"Pod", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "PodSpec")}},
      {"Endpoints",
       {Message(1, "metadata", "ObjectMeta"), Messages(2, "subsets", "EndpointSubset")}},
      {"EndpointSubset",
       {Messages(1, "addresses", "EndpointAddress"),
        Messages(2, "notReadyAddresses", "EndpointAddress"), Messages(3, "ports", "EndpointPort")}},
      {"EndpointAddress",
       {String(1, "ip"), Message(2, "targetRef", "ObjectReference"), String(3, "hostname"),
        String(4, "nodeName")}},
      {"EndpointPort",
       {String(1, "name"), Int32(2, "port"), String(3, "protocol"), String(4, "appProtocol")}},
      {"Event",
       {Message(1, "metadata", "ObjectMeta"), Message(2, "involvedObject", "ObjectReference"),
        String(3, "reason"), String(4, "message"), Message(5, "source", "EventSource"),
        Field(6, "firstTimestamp", T::kTime), Field(7, "lastTimestamp", T::kTime),
        Int32(8, "count"), String(9, "type"), Field(10, "eventTime", T::kMicroTime),
        Message(11, "series", "EventSeries"), String(12, "action"),
        Message(13, "related", "ObjectReference"), String(14, "reportingComponent"),
        String(15, "reportingInstance")}},
      {"EventSource", {String(1, "component"), String(2, "host")}},
      {"EventSeries", {Int32(1, "count"), Field(2, "lastObservedTime", T::kMicroTime)}},

      // core/v1 Pod templates
      {"PodTemplateSpec", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "PodSpec")}},
      {"PodSpec",
       {Messages(1, "volumes", "Volume"),
        Messages(2, "containers", "Container"),
        String(3, "restartPolicy"),
        Pointer(Int64(4, "terminationGracePeriodSeconds")),
        Pointer(Int64(5, "activeDeadlineSeconds")),
        String(6, "dnsPolicy"),
        Field(7, "nodeSelector", T::kStringMap),
        String(8, "serviceAccountName"),
        String(9, "serviceAccount"),
        String(10, "nodeName"),
        Bool(11, "hostNetwork"),
        Bool(12, "hostPID"),
        Bool(13, "hostIPC"),
        Messages(15, "imagePullSecrets", "LocalObjectReference"),
        String(16, "hostname"),
        String(17, "subdomain"),
        String(19, "schedulerName"),
        Messages(20, "initContainers", "Container"),
        Pointer(Bool(21, "automountServiceAccountToken")),
        Messages(22, "tolerations", "Toleration"),
        String(24, "priorityClassName"),
        Pointer(Int32(25, "priority")),
        Pointer(Bool(27, "shareProcessNamespace")),
        String(29, "runtimeClassName"),
        Pointer(Bool(30, "enableServiceLinks")),
        String(31, "preemptionPolicy"),
        Pointer(Bool(35, "setHostnameAsFQDN")),
        Pointer(Bool(37, "hostUsers"))}},
      {"Container",
       {String(1, "name"),
        String(2, "image"),
        Strings(3, "command"),
        Strings(4, "args"),
        String(5, "workingDir"),
        Messages(6, "ports", "ContainerPort"),
        Messages(7, "env", "EnvVar"),
        Message(8, "resources", "ResourceRequirements"),
        Messages(9, "volumeMounts", "VolumeMount"),
        Message(10, "livenessProbe", "Probe"),
        Message(11, "readinessProbe", "Probe"),
        String(13, "terminationMessagePath"),
        String(14, "imagePullPolicy"),
        Bool(16, "stdin"),
        Bool(17, "stdinOnce"),
        Bool(18, "tty"),
        Messages(19, "envFrom", "EnvFromSource"),
        String(20, "terminationMessagePolicy"),
        Message(22, "startupProbe", "Probe"),
        String(24, "restartPolicy")}},
      {"ContainerPort",
       {String(1, "name"), Int32(2, "hostPort"), Int32(3, "containerPort"), String(4, "protocol"),
        String(5, "hostIP")}},
      {"EnvVar", {String(1, "name"), String(2, "value"), Message(3, "valueFrom", "EnvVarSource")}},
      {"EnvVarSource",
       {Message(1, "fieldRef", "ObjectFieldSelector"),
        Message(2, "resourceFieldRef", "ResourceFieldSelector"),
        Message(3, "configMapKeyRef", "KeySelector"), Message(4, "secretKeyRef", "KeySelector")}},
      {"ObjectFieldSelector", {String(1, "apiVersion"), String(2, "fieldPath")}},
      {"ResourceFieldSelector",
       {String(1, "containerName"), String(2, "resource"), Field(3, "divisor", T::kQuantity)}},
      // ConfigMapKeySelector and SecretKeySelector have the same fields.
      {"KeySelector",
       {Inline(1, "LocalObjectReference"), String(2, "key"), Pointer(Bool(3, "optional"))}},
      {"EnvFromSource",
       {String(1, "prefix"), Message(2, "configMapRef", "EnvSource"),
        Message(3, "secretRef", "EnvSource")}},
      // ConfigMapEnvSource and SecretEnvSource have the same fields.
      {"EnvSource", {Inline(1, "LocalObjectReference"), Pointer(Bool(2, "optional"))}},
      {"ResourceRequirements",
       {Field(1, "limits", T::kQuantityMap), Field(2, "requests", T::kQuantityMap),
        Messages(3, "claims", "ResourceClaim")}},
      {"ResourceClaim", {String(1, "name"), String(2, "request")}},
      {"VolumeMount",
       {String(1, "name"), Bool(2, "readOnly"), String(3, "mountPath"), String(4, "subPath"),
        String(5, "mountPropagation"), String(6, "subPathExpr"), String(7, "recursiveReadOnly")}},
      {"Volume", {String(1, "name"), Inline(2, "VolumeSource")}},
      {"VolumeSource",
       {Message(1, "hostPath", "HostPathVolumeSource"),
        Message(2, "emptyDir", "EmptyDirVolumeSource"), Message(6, "secret", "SecretVolumeSource"),
        Message(19, "configMap", "ConfigMapVolumeSource")}},
      {"HostPathVolumeSource", {String(1, "path"), String(2, "type")}},
      {"EmptyDirVolumeSource", {String(1, "medium"), Field(2, "sizeLimit", T::kQuantity)}},
      {"SecretVolumeSource",
       {String(1, "secretName"), Messages(2, "items", "KeyToPath"),
        Pointer(Int32(3, "defaultMode")), Pointer(Bool(4, "optional"))}},
      {"ConfigMapVolumeSource",
       {Inline(1, "LocalObjectReference"), Messages(2, "items", "KeyToPath"),
        Pointer(Int32(3, "defaultMode")), Pointer(Bool(4, "optional"))}},
      {"KeyToPath", {String(1, "key"), String(2, "path"), Pointer(Int32(3, "mode"))}},
      {"Probe",
       {Inline(1, "ProbeHandler"), Int32(2, "initialDelaySeconds"), Int32(3, "timeoutSeconds"),
        Int32(4, "periodSeconds"), Int32(5, "successThreshold"), Int32(6, "failureThreshold"),
        Pointer(Int64(7, "terminationGracePeriodSeconds"))}},
      {"ProbeHandler",
       {Message(1, "exec", "ExecAction"), Message(2, "httpGet", "HTTPGetAction"),
        Message(3, "tcpSocket", "TCPSocketAction"), Message(4, "grpc", "GRPCAction")}},
      {"ExecAction", {Strings(1, "command")}},
      {"HTTPGetAction",
       {String(1, "path"), Field(2, "port", T::kIntOrString), String(3, "host"),
        String(4, "scheme"), Messages(5, "httpHeaders", "HTTPHeader")}},
      {"HTTPHeader", {String(1, "name"), String(2, "value")}},
      {"TCPSocketAction", {Field(1, "port", T::kIntOrString), String(2, "host")}},
      {"GRPCAction", {Int32(1, "port"), String(2, "service")}},
      {"Toleration",
       {String(1, "key"), String(2, "operator"), String(3, "value"), String(4, "effect"),
        Pointer(Int64(5, "tolerationSeconds"))}},

      // apps/v1
      {"Deployment", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "DeploymentSpec")}},
      {"DeploymentSpec",
       {Pointer(Int32(1, "replicas")), Message(2, "selector", "LabelSelector"),
        Message(3, "template", "PodTemplateSpec"), Message(4, "strategy", "DeploymentStrategy"),
        Int32(5, "minReadySeconds"), Pointer(Int32(6, "revisionHistoryLimit")), Bool(7, "paused"),
        Pointer(Int32(9, "progressDeadlineSeconds"))}},
      {"DeploymentStrategy",
       {String(1, "type"), Message(2, "rollingUpdate", "RollingUpdateDeployment")}},
      {"RollingUpdateDeployment",
       {Pointer(Field(1, "maxUnavailable", T::kIntOrString)),
        Pointer(Field(2, "maxSurge", T::kIntOrString))}},
      {"ReplicaSet", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "ReplicaSetSpec")}},
      {"ReplicaSetSpec",
       {Pointer(Int32(1, "replicas")), Message(2, "selector", "LabelSelector"),
        Message(3, "template", "PodTemplateSpec"), Int32(4, "minReadySeconds")}},

      // coordination.k8s.io/v1
      {"Lease", {Message(1, "metadata", "ObjectMeta"), Message(2, "spec", "LeaseSpec")}},
      {"LeaseSpec",
       {Pointer(String(1, "holderIdentity")), Pointer(Int32(2, "leaseDurationSeconds")),
        Field(3, "acquireTime", T::kMicroTime), Field(4, "renewTime", T::kMicroTime),
        Pointer(Int32(5, "leaseTransitions")), String(6, "strategy"),
        String(7, "preferredHolder")}},
  };
}

}  // namespace

const std::vector<ProtoMessageSpec>& ProtoMessages() {
  static const auto* messages = new std::vector<ProtoMessageSpec>(MakeMessages());
  return *messages;
}

const ProtoMessageSpec* FindProtoMessage(absl::string_view name) {
  static const auto* by_name = [] {
    auto* map = new absl::flat_hash_map<std::string, const ProtoMessageSpec*>();
    for (const ProtoMessageSpec& m : ProtoMessages()) (*map)[m.name] = &m;
    return map;
  }();
  auto it = by_name->find(name);
  return it == by_name->end() ? nullptr : it->second;
}

const ProtoMessageSpec* FindProtoKind(absl::string_view api_version, absl::string_view kind) {
  static constexpr std::pair<const char*, const char*> kKinds[] = {
      {"v1", "Namespace"},
      {"v1", "ConfigMap"},
      {"v1", "Secret"},
      {"v1", "Service"},
      {"v1", "ServiceAccount"},
      {"v1", "Pod"},
      {"apps/v1", "Deployment"},
      {"apps/v1", "ReplicaSet"},
      {"v1", "Endpoints"},
      {"v1", "Event"},
      {"coordination.k8s.io/v1", "Lease"},
  };
  for (const auto& [version, name] : kKinds)
    if (api_version == version && kind == name) return FindProtoMessage(kind);
  return nullptr;
}

}  // namespace sluice::apiserver
