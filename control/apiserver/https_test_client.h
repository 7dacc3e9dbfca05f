// A small HTTPS client for tests: one request per connection to a loopback
// port, verifying the server's certificate against a CA for a given name.
#ifndef SLUICE_CONTROL_APISERVER_HTTPS_TEST_CLIENT_H_
#define SLUICE_CONTROL_APISERVER_HTTPS_TEST_CLIENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

struct HttpsReply {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json;  // discarded when the body is not JSON
};

struct HttpsCall {
  std::string method = "GET";
  std::string target;
  std::string token;  // empty: no Authorization header
  std::string body;
  std::string content_type = "application/json";
};

// Connects to 127.0.0.1:`port`; the handshake fails unless the certificate
// chains to `ca_pem` and carries `verify_name` (a DNS name or an address).
absl::StatusOr<HttpsReply> HttpsRequest(uint16_t port, const std::string& ca_pem,
                                        const std::string& verify_name, const HttpsCall& call);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_HTTPS_TEST_CLIENT_H_
