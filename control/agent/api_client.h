// A small HTTPS client for the agent's reads of the API server: a GET whose
// body is returned whole (lists) and a GET whose body is streamed line by
// line (watches). Each call opens one connection and verifies the server's
// certificate against the kubeconfig's CA and the URL's host. Cancel() from
// another thread ends the call in progress and every later one.
#ifndef SLUICE_CONTROL_AGENT_API_CLIENT_H_
#define SLUICE_CONTROL_AGENT_API_CLIENT_H_

#include <functional>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/agent/kubeconfig.h"

namespace sluice::agent {

struct ApiReply {
  int status = 0;
  std::string body;  // whole for Get; for Stream only when status is not 200
};

class ApiClient {
 public:
  explicit ApiClient(ApiEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // Errors are Unavailable (connect, TLS, I/O) or Cancelled.
  absl::StatusOr<ApiReply> Get(const std::string& target);
  // Calls `on_line` with each line of a 200 response's body until the server
  // ends it or `on_line` returns an error, which Stream then returns.
  absl::StatusOr<ApiReply> Stream(const std::string& target,
                                  const std::function<absl::Status(absl::string_view)>& on_line);

  void Cancel();

  const ApiEndpoint& endpoint() const { return endpoint_; }

 private:
  absl::StatusOr<ApiReply> Call(const std::string& target,
                                const std::function<absl::Status(absl::string_view)>* on_line);
  // The socket of the call in progress, so that Cancel() can shut it down.
  bool Register(int fd);

  ApiEndpoint endpoint_;
  std::mutex mu_;
  int fd_ = -1;
  bool cancelled_ = false;
};

}  // namespace sluice::agent

#endif  // SLUICE_CONTROL_AGENT_API_CLIENT_H_
