#include "control/apiserver/openapi_schemas.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

constexpr char kIntOrString[] = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

std::vector<SchemaType> MakeTypes() {
  return {
      // meta/v1
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
       "The metadata every persisted object has.",
       {{"name", "string", "Unique name within a namespace; cannot be changed."},
        {"generateName", "string",
         "A prefix the server completes to a unique name when name is empty."},
        {"namespace", "string",
         "The namespace the object lives in; empty for cluster-scoped objects."},
        {"selfLink", "string", "Deprecated; never set."},
        {"uid", "string", "Unique in time and space; set by the server."},
        {"resourceVersion", "string",
         "Opaque version of the object, for optimistic concurrency and watches."},
        {"generation", "int64", "Incremented by the server on each change of the desired state."},
        {"creationTimestamp", "time", "When the server created the object."},
        {"deletionTimestamp", "time",
         "When the object will be deleted; set when deletion was requested."},
        {"deletionGracePeriodSeconds", "int64",
         "Seconds given to the object to terminate gracefully."},
        {"labels", "map", "Key/value pairs to organize and select objects."},
        {"annotations", "map", "Key/value pairs for tools and extensions; not for selecting."},
        {"ownerReferences", "[]OwnerReference",
         "Objects this one depends on; it is garbage-collected with them.", "uid", "merge"},
        {"finalizers", "[]string", "Conditions to be met before the object is deleted.", "",
         "merge"},
        {"managedFields", "[]ManagedFieldsEntry",
         "Which manager set which fields (server-side apply)."}}},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
       "Identifies an owning object in the same namespace.",
       {{"apiVersion", "string", "API version of the owner."},
        {"kind", "string", "Kind of the owner."},
        {"name", "string", "Name of the owner."},
        {"uid", "string", "UID of the owner."},
        {"controller", "boolean", "True when the owner is the managing controller."},
        {"blockOwnerDeletion", "boolean",
         "True when the owner cannot be deleted before this object."}}},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
       "One manager's set of fields.",
       {{"manager", "string", "Who manages the fields."},
        {"operation", "string", "Apply or Update."},
        {"apiVersion", "string", "Version of the fields' schema."},
        {"time", "time", "When the entry was last changed."},
        {"fieldsType", "string", "Format of fieldsV1; FieldsV1."},
        {"fieldsV1", "any", "The set of fields."},
        {"subresource", "string", "The subresource the fields were set through."}}},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
       "Selects objects by their labels; all requirements are ANDed.",
       {{"matchLabels", "map", "Labels that must be equal."},
        {"matchExpressions", "[]LabelSelectorRequirement", "Set-based requirements."}}},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
       "A key, an operator and values.",
       {{"key", "string", "The label key."},
        {"operator", "string", "In, NotIn, Exists or DoesNotExist."},
        {"values", "[]string", "Values for In and NotIn; empty for Exists and DoesNotExist."}}},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
       "One aspect of an object's current state.",
       {{"type", "string", "The condition's type, in CamelCase."},
        {"status", "string", "True, False or Unknown."},
        {"observedGeneration", "int64", "The generation the condition was set for."},
        {"lastTransitionTime", "time", "When status last changed."},
        {"reason", "string", "Why, in CamelCase."},
        {"message", "string", "Why, for humans."}}},

      // core/v1: Service
      {"io.k8s.api.core.v1.Service",
       "A named abstraction of a set of pods: a virtual address and ports the proxy forwards to "
       "them.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "ServiceSpec", "The desired behavior of the service."},
        {"status", "ServiceStatus", "The observed state of the service; set by the system."}},
       true,
       "",
       "v1",
       "Service"},
      {"io.k8s.api.core.v1.ServiceSpec",
       "What a service exposes and how.",
       {{"ports", "[]ServicePort", "The ports the service exposes.", "port", "merge"},
        {"selector", "map",
         "Pods with these labels back the service; empty means endpoints are managed elsewhere."},
        {"clusterIP", "string",
         "The virtual IP, allocated when empty; \"None\" makes a headless service."},
        {"clusterIPs", "[]string",
         "The virtual IPs, one per IP family; the first equals clusterIP."},
        {"type", "string",
         "ClusterIP, NodePort, LoadBalancer or ExternalName: how the service is exposed."},
        {"externalIPs", "[]string", "Further addresses nodes accept traffic for this service on."},
        {"sessionAffinity", "string",
         "ClientIP keeps a client on one endpoint; None (default) does not."},
        {"loadBalancerIP", "string", "Deprecated: the address a load balancer should use."},
        {"loadBalancerSourceRanges", "[]string", "Client CIDRs a load balancer admits."},
        {"externalName", "string", "The DNS name an ExternalName service aliases."},
        {"externalTrafficPolicy", "string",
         "Cluster or Local: whether external traffic may go to other nodes' endpoints."},
        {"healthCheckNodePort", "integer",
         "The node port answering health checks for Local external traffic."},
        {"publishNotReadyAddresses", "boolean", "Publish endpoints of pods that are not ready."},
        {"sessionAffinityConfig", "SessionAffinityConfig", "Settings of session affinity."},
        {"ipFamilies", "[]string", "IPv4 and/or IPv6: the families of clusterIPs, in order."},
        {"ipFamilyPolicy", "string", "SingleStack, PreferDualStack or RequireDualStack."},
        {"allocateLoadBalancerNodePorts", "boolean",
         "Whether a LoadBalancer service gets node ports."},
        {"loadBalancerClass", "string", "Which load balancer implementation serves the service."},
        {"internalTrafficPolicy", "string",
         "Cluster or Local: whether in-cluster traffic may go to other nodes' endpoints."},
        {"trafficDistribution", "string",
         "A preference for how traffic is spread over endpoints (PreferClose)."}}},
      {"io.k8s.api.core.v1.ServicePort",
       "One port a service exposes.",
       {{"name", "string",
         "The port's name, unique within the service; required with several ports."},
        {"protocol", "string", "TCP (default), UDP or SCTP."},
        {"appProtocol", "string", "The application protocol, a hint for implementations."},
        {"port", "integer", "The port the service exposes."},
        {"targetPort", "int-or-string", "The port number or name on the pods; defaults to port."},
        {"nodePort", "integer",
         "The port on every node for NodePort and LoadBalancer services; allocated when 0."}}},
      {"io.k8s.api.core.v1.SessionAffinityConfig",
       "Settings of session affinity.",
       {{"clientIP", "ClientIPConfig", "Settings of ClientIP affinity."}}},
      {"io.k8s.api.core.v1.ClientIPConfig",
       "Settings of ClientIP affinity.",
       {{"timeoutSeconds", "integer",
         "How long a client sticks to an endpoint; 1 to 86400, default 10800."}}},
      {"io.k8s.api.core.v1.ServiceStatus",
       "The observed state of a service.",
       {{"loadBalancer", "LoadBalancerStatus", "The load balancer, when there is one."},
        {"conditions", "[]Condition", "The service's conditions.", "type", "merge"}}},
      {"io.k8s.api.core.v1.LoadBalancerStatus",
       "The state of a load balancer.",
       {{"ingress", "[]LoadBalancerIngress", "The load balancer's ingress points."}}},
      {"io.k8s.api.core.v1.LoadBalancerIngress",
       "An ingress point of a load balancer.",
       {{"ip", "string", "Its IP address."},
        {"hostname", "string", "Its DNS name."},
        {"ipMode", "string", "VIP or Proxy: how traffic arrives at the nodes."},
        {"ports", "[]PortStatus", "The ports' states."}}},
      {"io.k8s.api.core.v1.PortStatus",
       "The state of one port.",
       {{"port", "integer", "The port number."},
        {"protocol", "string", "TCP, UDP or SCTP."},
        {"error", "string", "Why the port failed, in CamelCase."}}},

      // core/v1: ConfigMap, Namespace
      {"io.k8s.api.core.v1.ConfigMap",
       "Configuration data for pods to consume.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"data", "map", "UTF-8 configuration data."},
        {"binaryData", "map", "Binary configuration data, base64 encoded."},
        {"immutable", "boolean", "When true, data cannot be changed."}},
       true,
       "",
       "v1",
       "ConfigMap"},
      {"io.k8s.api.core.v1.Namespace",
       "A scope for names.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "NamespaceSpec", "The desired state of the namespace."},
        {"status", "NamespaceStatus", "The observed state of the namespace."}},
       true,
       "",
       "v1",
       "Namespace"},
      {"io.k8s.api.core.v1.NamespaceSpec",
       "The desired state of a namespace.",
       {{"finalizers", "[]string", "What must be done before the namespace is removed."}}},
      {"io.k8s.api.core.v1.NamespaceStatus",
       "The observed state of a namespace.",
       {{"phase", "string", "Active or Terminating."},
        {"conditions", "[]NamespaceCondition", "The namespace's conditions.", "type", "merge"}}},
      {"io.k8s.api.core.v1.NamespaceCondition",
       "One aspect of a namespace's state.",
       {{"type", "string", "The condition's type."},
        {"status", "string", "True, False or Unknown."},
        {"lastTransitionTime", "time", "When status last changed."},
        {"reason", "string", "Why, in CamelCase."},
        {"message", "string", "Why, for humans."}}},

      {"io.k8s.api.core.v1.Secret",
       "Secret data, such as a password, a token or a key.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"data", "map", "The secret's values, base64 encoded."},
        {"stringData", "map", "Values given as plain text; merged into data on write."},
        {"type", "string", "What the secret holds, for programs to handle it; default Opaque."},
        {"immutable", "boolean", "When true, data cannot be changed."}},
       true,
       "",
       "v1",
       "Secret"},
      {"io.k8s.api.core.v1.ServiceAccount",
       "An identity for processes that run in pods.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"secrets", "[]ObjectReference", "Secrets pods of this account may use.", "name", "merge"},
        {"imagePullSecrets", "[]LocalObjectReference", "Secrets for pulling the pods' images."},
        {"automountServiceAccountToken", "boolean",
         "Whether pods get the account's token mounted."}},
       true,
       "",
       "v1",
       "ServiceAccount"},
      {"io.k8s.api.core.v1.LocalObjectReference",
       "A reference to an object in the same namespace.",
       {{"name", "string", "Name of the object."}}},

      // coordination.k8s.io/v1
      {"io.k8s.api.coordination.v1.Lease",
       "A lease: who holds a lock and until when.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "LeaseSpec", "The lease's holder and terms."}},
       true,
       "coordination.k8s.io",
       "v1",
       "Lease"},
      {"io.k8s.api.coordination.v1.LeaseSpec",
       "The holder and terms of a lease.",
       {{"holderIdentity", "string", "Who holds the lease."},
        {"leaseDurationSeconds", "integer",
         "How long candidates wait before taking the lease over."},
        {"acquireTime", "time", "When the holder acquired the lease."},
        {"renewTime", "time", "When the holder last renewed the lease."},
        {"leaseTransitions", "integer", "How often the lease changed holders."},
        {"strategy", "string", "How a coordinated leader election picks the holder."},
        {"preferredHolder", "string", "The holder a coordinated election prefers."}}},

      // discovery.k8s.io/v1
      {"io.k8s.api.discovery.v1.EndpointSlice",
       "A subset of the endpoints of a service.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"addressType", "string", "IPv4, IPv6 or FQDN: the type of every address in the slice."},
        {"endpoints", "[]Endpoint", "The endpoints, at most 1000."},
        {"ports", "[]EndpointPort", "The ports every endpoint exposes."}},
       true,
       "discovery.k8s.io",
       "v1",
       "EndpointSlice"},
      {"io.k8s.api.discovery.v1.Endpoint",
       "One backend of a service.",
       {{"addresses", "[]string", "The endpoint's addresses, of the slice's addressType."},
        {"conditions", "EndpointConditions",
         "Whether the endpoint is ready, serving, terminating."},
        {"hostname", "string", "The endpoint's host name."},
        {"targetRef", "ObjectReference", "The object (usually a pod) the endpoint stands for."},
        {"deprecatedTopology", "map", "Deprecated topology labels."},
        {"nodeName", "string", "The node the endpoint runs on."},
        {"zone", "string", "The zone the endpoint is in."},
        {"hints", "EndpointHints", "How consumers should route to the endpoint."}}},
      {"io.k8s.api.discovery.v1.EndpointConditions",
       "The state of an endpoint.",
       {{"ready", "boolean", "The endpoint takes new traffic."},
        {"serving", "boolean", "The endpoint serves, even while terminating."},
        {"terminating", "boolean", "The endpoint is terminating."}}},
      {"io.k8s.api.discovery.v1.EndpointHints",
       "Routing hints of an endpoint.",
       {{"forZones", "[]ForZone", "Zones that should consume the endpoint."},
        {"forNodes", "[]ForNode", "Nodes that should consume the endpoint."}}},
      {"io.k8s.api.discovery.v1.ForZone", "A zone.", {{"name", "string", "The zone's name."}}},
      {"io.k8s.api.discovery.v1.ForNode", "A node.", {{"name", "string", "The node's name."}}},
      {"io.k8s.api.discovery.v1.EndpointPort",
       "A port of the endpoints of a slice.",
       {{"name", "string", "The port's name, matching the service port's name."},
        {"protocol", "string", "TCP (default), UDP or SCTP."},
        {"port", "integer", "The port number; empty means all ports."},
        {"appProtocol", "string", "The application protocol."}}},
      {"io.k8s.api.core.v1.ObjectReference",
       "A reference to an object.",
       {{"kind", "string", "Kind of the object."},
        {"namespace", "string", "Namespace of the object."},
        {"name", "string", "Name of the object."},
        {"uid", "string", "UID of the object."},
        {"apiVersion", "string", "API version of the object."},
        {"resourceVersion", "string", "The resource version referred to."},
        {"fieldPath", "string", "A field of the object rather than the whole object."}}},

      // apps/v1
      {"io.k8s.api.apps.v1.Deployment",
       "Declarative updates of pods through replica sets.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "DeploymentSpec", "The desired behavior of the deployment."},
        {"status", "DeploymentStatus", "The observed state of the deployment."}},
       true,
       "apps",
       "v1",
       "Deployment"},
      {"io.k8s.api.apps.v1.DeploymentSpec",
       "The desired state of a deployment.",
       {{"replicas", "integer", "How many pods are wanted; default 1."},
        {"selector", "LabelSelector",
         "Which pods the deployment owns; must match the template's labels."},
        {"template", "PodTemplateSpec", "The pods to create."},
        {"strategy", "DeploymentStrategy", "How old pods are replaced by new ones.", "",
         "retainKeys"},
        {"minReadySeconds", "integer", "Seconds a new pod must be ready to count as available."},
        {"revisionHistoryLimit", "integer", "How many old replica sets to keep; default 10."},
        {"paused", "boolean", "When true, the template's changes are not rolled out."},
        {"progressDeadlineSeconds", "integer",
         "Seconds before a stalled rollout is reported; default 600."}}},
      {"io.k8s.api.apps.v1.DeploymentStrategy",
       "How a deployment replaces pods.",
       {{"type", "string", "Recreate or RollingUpdate (default)."},
        {"rollingUpdate", "RollingUpdateDeployment", "Parameters of RollingUpdate."}}},
      {"io.k8s.api.apps.v1.RollingUpdateDeployment",
       "Parameters of a rolling update.",
       {{"maxUnavailable", "int-or-string",
         "How many pods (or percent) may be unavailable; default 25%."},
        {"maxSurge", "int-or-string",
         "How many pods (or percent) above replicas may exist; default 25%."}}},
      {"io.k8s.api.apps.v1.DeploymentStatus",
       "The observed state of a deployment.",
       {{"observedGeneration", "int64", "The generation observed."},
        {"replicas", "integer", "Pods targeted by the deployment."},
        {"updatedReplicas", "integer", "Pods with the current template."},
        {"readyReplicas", "integer", "Ready pods."},
        {"availableReplicas", "integer", "Available pods."},
        {"unavailableReplicas", "integer", "Pods not yet available."},
        {"conditions", "any", "The deployment's conditions."},
        {"collisionCount", "integer", "Hash collisions of templates."}},
       false},
      {"io.k8s.api.apps.v1.ReplicaSet",
       "Keeps a number of pods running.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "ReplicaSetSpec", "The desired state of the replica set."},
        {"status", "any", "The observed state of the replica set."}},
       true,
       "apps",
       "v1",
       "ReplicaSet"},
      {"io.k8s.api.apps.v1.ReplicaSetSpec",
       "The desired state of a replica set.",
       {{"replicas", "integer", "How many pods are wanted; default 1."},
        {"minReadySeconds", "integer", "Seconds a new pod must be ready to count as available."},
        {"selector", "LabelSelector", "Which pods the replica set owns."},
        {"template", "PodTemplateSpec", "The pods to create."}}},

      // core/v1: pods
      {"io.k8s.api.core.v1.PodTemplateSpec",
       "The pods a controller creates.",
       {{"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "PodSpec", "The pods' specification."}}},
      {"io.k8s.api.core.v1.Pod",
       "A group of containers run together on a node.",
       {{"apiVersion", "string", kSchemaApiVersion},
        {"kind", "string", kSchemaKind},
        {"metadata", "ObjectMeta", kSchemaMetadata},
        {"spec", "PodSpec", "The desired behavior of the pod."},
        {"status", "any", "The observed state of the pod."}},
       true,
       "",
       "v1",
       "Pod"},
      {"io.k8s.api.core.v1.PodSpec",
       "The desired state of a pod (the common fields).",
       {{"containers", "[]Container", "The pod's containers; at least one.", "name", "merge"},
        {"initContainers", "[]Container", "Containers run to completion before the others.", "name",
         "merge"},
        {"restartPolicy", "string", "Always (default), OnFailure or Never."},
        {"nodeName", "string", "The node the pod is bound to."},
        {"nodeSelector", "map", "Labels a node must have to run the pod."},
        {"serviceAccountName", "string", "The service account the pod runs as."},
        {"hostNetwork", "boolean", "Use the node's network namespace."},
        {"terminationGracePeriodSeconds", "int64", "Seconds given to the pod to stop; default 30."},
        {"hostname", "string", "The pod's host name."},
        {"subdomain", "string", "The pod's DNS subdomain."},
        {"volumes", "[]any", "Volumes the containers may mount.", "name", "merge,retainKeys"}},
       false},
      {"io.k8s.api.core.v1.Container",
       "One container of a pod (the common fields).",
       {{"name", "string", "The container's name, unique in the pod."},
        {"image", "string", "The image to run."},
        {"imagePullPolicy", "string", "Always, Never or IfNotPresent."},
        {"command", "[]string", "The entrypoint; the image's when empty."},
        {"args", "[]string", "The entrypoint's arguments."},
        {"workingDir", "string", "The working directory."},
        {"ports", "[]ContainerPort", "The ports the container listens on.", "containerPort",
         "merge"},
        {"env", "[]any", "Environment variables.", "name", "merge"},
        {"resources", "any", "Compute resources the container needs."}},
       false},
      {"io.k8s.api.core.v1.ContainerPort",
       "A port a container listens on.",
       {{"name", "string", "The port's name, for services to refer to."},
        {"containerPort", "integer", "The port number."},
        {"protocol", "string", "TCP (default), UDP or SCTP."},
        {"hostPort", "integer", "The port on the node, if any."},
        {"hostIP", "string", "The node address to bind hostPort to."}}},
  };
}

std::string ShortName(const std::string& full) {
  return full.substr(full.rfind('.') + 1);
}

json TypeSchema(const std::string& type, const std::string& description,
                const std::string& ref_prefix) {
  json s = json::object();
  if (!description.empty()) s["description"] = description;
  if (absl::StartsWith(type, "[]")) {
    s["type"] = "array";
    s["items"] = TypeSchema(type.substr(2), "", ref_prefix);
  } else if (type == "string") {
    s["type"] = "string";
  } else if (type == "time") {
    s["type"] = "string";
    s["format"] = "date-time";
  } else if (type == "integer" || type == "int64") {
    s["type"] = "integer";
    s["format"] = type == "integer" ? "int32" : "int64";
  } else if (type == "number" || type == "boolean") {
    s["type"] = type;
  } else if (type == "int-or-string") {
    s["allOf"] = json::array({{{"$ref", ref_prefix + kIntOrString}}});
  } else if (type == "map") {
    s["type"] = "object";
    s["additionalProperties"] = {{"type", "string"}};
  } else if (type == "any") {
    s["type"] = "object";
    s["x-kubernetes-preserve-unknown-fields"] = true;
  } else {
    const SchemaType* t = FindSchemaType(type);
    std::string ref = ref_prefix + (t ? t->name : type);
    if (description.empty()) return {{"$ref", ref}};
    // A reference with its own description, as Kubernetes writes it.
    s["allOf"] = json::array({{{"$ref", ref}}});
  }
  return s;
}

}  // namespace

const std::vector<SchemaType>& SchemaTypes() {
  static const auto* types = [] {
    auto* all = new std::vector<SchemaType>(MakeTypes());
    for (SchemaType& t : NodeEndpointsEventSchemaTypes()) all->push_back(std::move(t));
    return all;
  }();
  return *types;
}

const SchemaType* FindSchemaType(const std::string& name) {
  static const auto* index = [] {
    auto* m = new std::map<std::string, const SchemaType*>();
    for (const SchemaType& t : SchemaTypes()) {
      (*m)[t.name] = &t;
      (*m)[ShortName(t.name)] = &t;
    }
    return m;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

const SchemaType* FindKindSchema(const std::string& group, const std::string& version,
                                 const std::string& kind) {
  for (const SchemaType& t : SchemaTypes())
    if (t.kind == kind && t.group == group && t.version == version) return &t;
  return nullptr;
}

json SchemaDefinitions(const std::string& ref_prefix) {
  json defs = json::object();
  for (const SchemaType& t : SchemaTypes()) {
    json properties = json::object();
    for (const SchemaField& f : t.fields) {
      json p = TypeSchema(f.type, f.description, ref_prefix);
      if (*f.patch_merge_key) p["x-kubernetes-patch-merge-key"] = f.patch_merge_key;
      if (*f.patch_strategy) p["x-kubernetes-patch-strategy"] = f.patch_strategy;
      properties[f.name] = std::move(p);
    }
    json d = {{"description", t.description}, {"type", "object"}, {"properties", properties}};
    if (*t.kind)
      d["x-kubernetes-group-version-kind"] =
          json::array({{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}});
    defs[t.name] = std::move(d);
  }
  // Not a SchemaType, since validation has nothing inside it to check. As
  // kube-openapi writes it: OpenAPI v3 has no `type` but a oneOf, which
  // `kubectl explain` shows as <IntOrString> (it names a $ref without a
  // type); swagger 2.0 has no oneOf, so there it is a string.
  json int_or_string = {{"description", "An integer or a string."},
                        {"format", "int-or-string"},
                        {"x-kubernetes-int-or-string", true}};
  if (absl::StartsWith(ref_prefix, "#/components/"))
    int_or_string["oneOf"] = json::array({{{"type", "integer"}}, {{"type", "string"}}});
  else
    int_or_string["type"] = "string";
  defs[kIntOrString] = std::move(int_or_string);
  return defs;
}

}  // namespace sluice::apiserver
