// What the agent needs of a kubeconfig to reach the API server: the current
// context's server URL, the CA to verify it with, and a bearer token.
#ifndef SLUICE_CONTROL_AGENT_KUBECONFIG_H_
#define SLUICE_CONTROL_AGENT_KUBECONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice::agent {

struct ApiEndpoint {
  std::string server;  // https://host:port as written
  std::string host;    // without brackets for IPv6
  std::string port;
  std::string ca_pem;
  std::string token;
};

// Reads the current context (or the only cluster and user when there is no
// current-context). Fails, naming the field, on what the agent cannot use:
// plain http, insecure-skip-tls-verify, no CA, client certificates without a
// token, exec or auth-provider plugins.
absl::StatusOr<ApiEndpoint> LoadKubeconfig(const std::string& path);
absl::StatusOr<ApiEndpoint> ParseKubeconfig(absl::string_view text, absl::string_view source);

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_KUBECONFIG_H_
