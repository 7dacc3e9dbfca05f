// The PodSpec rules that Pods, Deployments and ReplicaSets share: Kubernetes'
// defaults (pkg/apis/core/v1/defaults.go) and the basic validation of
// containers and ports, at any field path ("spec", "spec.template.spec").
#ifndef SLUICE_CONTROL_APISERVER_POD_SPEC_H_
#define SLUICE_CONTROL_APISERVER_POD_SPEC_H_

#include <string>
#include <vector>

#include "control/apiserver/api_error.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

// restartPolicy Always, dnsPolicy ClusterFirst, terminationGracePeriodSeconds
// 30, schedulerName default-scheduler, and per container imagePullPolicy,
// terminationMessagePath/Policy and port protocols.
void DefaultPodSpec(nlohmann::json& spec);

// Containers required, with unique DNS-1123 label names and an image; ports
// in range with known protocols and unique names; known policies.
void ValidatePodSpec(const nlohmann::json& spec, const std::string& path,
                     std::vector<StatusCause>* causes);

// A LabelSelector (matchLabels, matchExpressions) as kubectl prints it and
// as ?labelSelector= takes it: "app=web,tier in (a,b)"; "" when empty.
std::string LabelSelectorText(const nlohmann::json& selector);

// Operators and values of a LabelSelector at `path`.
void ValidateLabelSelector(const nlohmann::json& selector, const std::string& path,
                           std::vector<StatusCause>* causes);

// A workload's selector: required, not empty, and matching the template's
// labels (apps/v1 Deployment and ReplicaSet validation).
void ValidateWorkloadSelector(const nlohmann::json& spec, std::vector<StatusCause>* causes);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_POD_SPEC_H_
