// HTTP/1.1 over Boost.Beast: an acceptor thread and a thread per connection,
// with keep-alive and chunked streaming for watches. Every request goes to one
// HttpHandler. Bodies over the limit get 413 before they are read whole.
//
// TLS is a layer at the connection: the session code is written against a
// stream type, a plain tcp::socket or an ssl::stream over it.
#ifndef SLUICE_CONTROL_APISERVER_HTTP_SERVER_H_
#define SLUICE_CONTROL_APISERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "control/apiserver/http_types.h"

namespace sluice::apiserver {

inline constexpr size_t kMaxRequestBodyBytes = 3 * 1024 * 1024;

// The serving certificate (with any intermediates after it) and its key.
struct TlsCredentials {
  std::string cert_chain_pem;
  std::string key_pem;
};

class HttpServer {
 public:
  // Binds `address:port` (port 0 picks a free one) and starts serving, with
  // TLS (1.2 and up) when `tls` is given, plain HTTP otherwise.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& address, uint16_t port, HttpHandler handler,
      std::optional<TlsCredentials> tls = std::nullopt);
  ~HttpServer();

  uint16_t port() const { return port_; }
  // Stops accepting, closes every connection (ending watches) and joins.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_HTTP_SERVER_H_
