// The part of Kubernetes' ObjectMeta that a service proxy reads.
#ifndef SLUICE_CONTROL_K8S_OBJECT_META_H_
#define SLUICE_CONTROL_K8S_OBJECT_META_H_

#include <map>
#include <string>

namespace sluice::k8s {

struct ObjectMeta {
  std::string name;
  // metadata.namespace; objects written without one live in "default", as
  // kubectl apply would put them.
  std::string namespace_name = "default";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

}  // namespace sluice::k8s

#endif  // SLUICE_CONTROL_K8S_OBJECT_META_H_
