#include "control/apiserver/https_test_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

namespace sluice::apiserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

absl::StatusOr<HttpsReply> HttpsRequest(uint16_t port, const std::string& ca_pem,
                                        const std::string& verify_name, const HttpsCall& call) {
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  beast::error_code ec;
  context.add_certificate_authority(asio::buffer(ca_pem.data(), ca_pem.size()), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the CA: ", ec.message()));
  context.set_verify_mode(ssl::verify_peer);
  context.set_verify_callback(ssl::host_name_verification(verify_name));
  ssl::stream<tcp::socket> stream(io, context);
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("TLS handshake: ", ec.message()));
  http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
  req.set(http::field::host, absl::StrCat("127.0.0.1:", port));
  if (!call.token.empty()) req.set(http::field::authorization, "Bearer " + call.token);
  if (!call.body.empty()) req.set(http::field::content_type, call.content_type);
  req.body() = call.body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("HTTP: ", ec.message()));
  HttpsReply reply{.status = static_cast<int>(res.result_int()),
                   .content_type = std::string(res[http::field::content_type]),
                   .body = res.body()};
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  return reply;
}

}  // namespace sluice::apiserver
