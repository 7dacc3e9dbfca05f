#include "control/agent/model.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "control/agent/sluice_annotations.h"
#include "control/status_macros.h"

namespace sluice::agent {
namespace {

using k8s::EndpointSlice;
using k8s::Service;
using k8s::ServicePortSpec;
using k8s::ServiceType;

// kube-proxy runs one proxier per IP family and a proxier only sees services
// with a cluster IP of its family; so the cluster IPs decide which families a
// service's NodePorts, external IPs, load balancer IPs and endpoints are used
// in. The parser has checked that spec.ipFamilies agrees with them.
std::vector<IpFamily> Families(const Service& service) {
  std::vector<IpFamily> families;
  for (const IpAddress& ip : service.cluster_ips) families.push_back(ip.family());
  return families;
}

bool Contains(const std::vector<IpFamily>& families, IpFamily family) {
  return std::find(families.begin(), families.end(), family) != families.end();
}

// kube-proxy's ExternallyAccessible: externalTrafficPolicy applies only to
// services that can be reached from outside the cluster.
bool ExternallyAccessible(const Service& service) {
  return service.type == ServiceType::kNodePort || service.type == ServiceType::kLoadBalancer ||
         (service.type == ServiceType::kClusterIP && !service.external_ips.empty());
}

std::vector<Frontend> BuildFrontends(const Service& service, const ServicePortSpec& port,
                                     const std::vector<IpFamily>& families) {
  std::vector<Frontend> frontends;
  auto add = [&](FrontendKind kind, std::optional<IpAddress> address, IpFamily family,
                 uint16_t number) {
    frontends.push_back(Frontend{kind, address, family, number, port.protocol});
  };
  for (const IpAddress& ip : service.cluster_ips) {
    add(FrontendKind::kClusterIP, ip, ip.family(), port.port);
  }
  const bool node_port_type =
      service.type == ServiceType::kNodePort || service.type == ServiceType::kLoadBalancer;
  if (node_port_type && port.node_port.has_value()) {
    for (IpFamily family : families) {
      add(FrontendKind::kNodePort, std::nullopt, family, *port.node_port);
    }
  }
  if (service.type == ServiceType::kLoadBalancer) {
    for (const k8s::LoadBalancerIngress& ingress : service.load_balancer_ingress) {
      // ipMode Proxy: the load balancer sends traffic to the nodes itself, so
      // capturing its IP here would bypass it (KEP-1860).
      if (!ingress.ip.has_value() || ingress.proxy_mode) continue;
      if (!Contains(families, ingress.ip->family())) continue;
      add(FrontendKind::kLoadBalancer, ingress.ip, ingress.ip->family(), port.port);
    }
  }
  for (const IpAddress& ip : service.external_ips) {
    if (!Contains(families, ip.family())) continue;
    add(FrontendKind::kExternalIP, ip, ip.family(), port.port);
  }
  return frontends;
}

using SlicesByService =
    std::map<std::pair<std::string, std::string>, std::vector<const EndpointSlice*>>;

// Slices by (namespace, kubernetes.io/service-name), each list sorted by slice
// name so that the outcome does not depend on input order. FQDN slices are
// left out: a proxy cannot forward to a name.
SlicesByService IndexSlices(const std::vector<EndpointSlice>& slices) {
  SlicesByService index;
  for (const EndpointSlice& slice : slices) {
    if (slice.address_type == k8s::AddressType::kFQDN) continue;
    auto label = slice.metadata.labels.find(k8s::kServiceNameLabel);
    if (label == slice.metadata.labels.end()) continue;
    index[{slice.metadata.namespace_name, label->second}].push_back(&slice);
  }
  for (auto& [service, list] : index) {
    std::sort(list.begin(), list.end(), [](const EndpointSlice* a, const EndpointSlice* b) {
      return a->metadata.name < b->metadata.name;
    });
  }
  return index;
}

// The slice port that carries `port`: same name (both empty for the unnamed
// port) and protocol. Its number resolves a named targetPort, as kube-proxy
// does. Ports without a number mean "all ports", which kube-proxy ignores.
const k8s::EndpointPort* FindSlicePort(const EndpointSlice& slice, const ServicePortSpec& port) {
  for (const k8s::EndpointPort& candidate : slice.ports) {
    if (candidate.name == port.name && candidate.protocol == port.protocol &&
        candidate.port.has_value()) {
      return &candidate;
    }
  }
  return nullptr;
}

Backend MakeBackend(const k8s::Endpoint& endpoint, uint16_t port, const NodeInfo& node,
                    const SluiceAnnotations& annotations) {
  Backend backend;
  // The API lets consumers use only the first address, and kube-proxy does.
  backend.address = endpoint.addresses.front();
  backend.port = port;
  // Absent conditions, per the EndpointSlice API: ready means ready; serving
  // defers to ready (kube-proxy reads absent serving as true, which differs
  // only for an endpoint that says ready: false); terminating means not.
  backend.ready = endpoint.conditions.ready.value_or(true);
  backend.serving = endpoint.conditions.serving.value_or(backend.ready);
  backend.terminating = endpoint.conditions.terminating.value_or(false);
  backend.node_local = !node.node_name.empty() && endpoint.node_name == node.node_name;
  backend.zone = endpoint.zone;
  auto weight = annotations.weights.find(backend.address);
  if (weight != annotations.weights.end()) backend.weight = weight->second;
  return backend;
}

// `slices` are the service's, sorted by name.
std::vector<Backend> BuildBackends(const std::vector<const EndpointSlice*>& slices,
                                   const ServicePortSpec& port,
                                   const std::vector<IpFamily>& families, const NodeInfo& node,
                                   const SluiceAnnotations& annotations) {
  // An endpoint moving between slices is briefly in both; it is one backend.
  // Like kube-proxy, the first copy wins unless a later one is node-local.
  std::map<std::pair<IpAddress, uint16_t>, Backend> unique;
  for (const EndpointSlice* slice : slices) {
    const k8s::EndpointPort* slice_port = FindSlicePort(*slice, port);
    if (slice_port == nullptr) continue;
    for (const k8s::Endpoint& endpoint : slice->endpoints) {
      if (endpoint.addresses.empty()) continue;
      if (!Contains(families, endpoint.addresses.front().family())) continue;
      Backend backend = MakeBackend(endpoint, *slice_port->port, node, annotations);
      auto [it, inserted] = unique.try_emplace({backend.address, backend.port}, backend);
      if (!inserted && backend.node_local && !it->second.node_local) it->second = backend;
    }
  }
  std::vector<Backend> backends;
  for (auto& [key, backend] : unique) backends.push_back(std::move(backend));
  return backends;
}

absl::Status AddService(const Service& service, const std::vector<const EndpointSlice*>& slices,
                        const NodeInfo& node, std::vector<ServicePort>* out) {
  const std::string service_name =
      absl::StrCat(service.metadata.namespace_name, "/", service.metadata.name);
  absl::StatusOr<SluiceAnnotations> annotations =
      ParseSluiceAnnotations(service.metadata.annotations);
  if (!annotations.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Service ", service_name, ": ", annotations.status().message()));
  }
  const std::vector<IpFamily> families = Families(service);
  for (const ServicePortSpec& port : service.ports) {
    ServicePort model;
    model.name = absl::StrCat(service_name, ":", port.name);
    model.frontends = BuildFrontends(service, port, families);
    model.algorithm = annotations->algorithm;
    model.maglev_table_size = annotations->maglev_table_size;
    if (service.session_affinity == k8s::SessionAffinity::kClientIP) {
      model.session_affinity = true;
      model.affinity_timeout_s = service.affinity_timeout_s;
    }
    if (ExternallyAccessible(service)) model.external_policy = service.external_traffic_policy;
    model.internal_policy = service.internal_traffic_policy;
    model.backends = BuildBackends(slices, port, families, node, *annotations);
    out->push_back(std::move(model));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ServicePort>> BuildServiceModel(const k8s::Objects& objects,
                                                           const NodeInfo& node) {
  const SlicesByService slices = IndexSlices(objects.endpoint_slices);
  const std::vector<const EndpointSlice*> no_slices;
  std::vector<ServicePort> model;
  for (const Service& service : objects.services) {
    // kube-proxy's ShouldSkipService: nothing to program for a name in DNS or
    // for a service without a cluster IP (headless, or not allocated yet).
    if (service.type == ServiceType::kExternalName || service.cluster_ips.empty()) continue;
    auto own = slices.find({service.metadata.namespace_name, service.metadata.name});
    SLUICE_RETURN_IF_ERROR(
        AddService(service, own == slices.end() ? no_slices : own->second, node, &model));
  }
  std::sort(model.begin(), model.end(),
            [](const ServicePort& a, const ServicePort& b) { return a.name < b.name; });
  // The loader rejects duplicates; Objects built by other code might not.
  for (size_t i = 1; i < model.size(); ++i) {
    if (model[i].name == model[i - 1].name) {
      return absl::InvalidArgumentError(
          absl::StrCat("service port ", model[i].name, " is defined twice"));
    }
  }
  return model;
}

}  // namespace sluice::agent
