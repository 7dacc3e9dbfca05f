#include "control/agent/api_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <limits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

namespace sluice::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// A peer that vanishes without closing (a node cut off, a server host gone)
// is noticed within about a minute instead of never.
void KeepAlive(int fd) {
  int on = 1, idle = 30, interval = 10, count = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

}  // namespace

absl::StatusOr<ApiReply> ApiClient::Get(const std::string& target) {
  return Call(target, nullptr);
}

absl::StatusOr<ApiReply> ApiClient::Stream(
    const std::string& target, const std::function<absl::Status(absl::string_view)>& on_line) {
  return Call(target, &on_line);
}

void ApiClient::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

bool ApiClient::Register(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  fd_ = fd;
  return !cancelled_;
}

absl::StatusOr<ApiReply> ApiClient::Call(
    const std::string& target, const std::function<absl::Status(absl::string_view)>* on_line) {
  auto fail = [&](absl::string_view what, const beast::error_code& ec) -> absl::Status {
    Register(-1);
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return absl::CancelledError("stopped");
    return absl::UnavailableError(absl::StrCat(endpoint_.server, ": ", what, ": ", ec.message()));
  };
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  beast::error_code ec;
  context.add_certificate_authority(asio::buffer(endpoint_.ca_pem), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the kubeconfig's CA: ", ec.message()));
  context.set_verify_mode(ssl::verify_peer);
  context.set_verify_callback(ssl::host_name_verification(endpoint_.host));
  ssl::stream<tcp::socket> stream(io, context);

  tcp::resolver resolver(io);
  auto addresses = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return fail("resolving", ec);
  // The socket is registered before connecting: a shutdown ends a connect
  // that a silent address would hold for minutes.
  tcp::socket& socket = stream.next_layer();
  ec = asio::error::host_not_found;
  for (const auto& address : addresses) {
    if (socket.is_open()) {
      Register(-1);  // before close: the number may be reused at once
      socket.close();
    }
    socket.open(address.endpoint().protocol(), ec);
    if (ec) continue;
    if (!Register(socket.native_handle()))
      return fail("connecting", asio::error::operation_aborted);
    socket.connect(address.endpoint(), ec);
    if (!ec) break;
  }
  if (ec) return fail("connecting", ec);
  KeepAlive(stream.next_layer().native_handle());
  // SNI for names; an address is verified against the certificate's IP SANs.
  boost::system::error_code not_address;
  asio::ip::make_address(endpoint_.host, not_address);
  if (not_address) SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str());
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return fail("TLS handshake", ec);

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, endpoint_.host);
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "sluice-agent");
  req.set(http::field::authorization, "Bearer " + endpoint_.token);
  http::write(stream, req, ec);
  if (ec) return fail("sending", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  // A watch is endless. (Boost 1.74 compares lengths with an empty optional
  // limit as exceeding it, so the limit is a number.)
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  http::read_header(stream, buffer, parser, ec);
  if (ec) return fail("reading the response", ec);
  ApiReply reply{.status = static_cast<int>(parser.get().result_int())};
  absl::Status stopped_by_caller;
  std::string pending;  // a line not yet ended
  // The parser keeps a reference to the callback: it lives as long as it.
  auto on_chunk = [&](uint64_t, beast::string_view data, beast::error_code& chunk_ec) {
    pending.append(data.data(), data.size());
    size_t start = 0;
    for (size_t nl; stopped_by_caller.ok() && (nl = pending.find('\n', start)) != pending.npos;
         start = nl + 1) {
      absl::string_view line(pending.data() + start, nl - start);
      if (!line.empty()) stopped_by_caller = (*on_line)(line);
    }
    pending.erase(0, start);
    if (!stopped_by_caller.ok()) chunk_ec = asio::error::operation_aborted;
    return data.size();
  };
  if (on_line != nullptr && reply.status == 200) parser.on_chunk_body(on_chunk);
  while (!parser.is_done()) {
    http::read_some(stream, buffer, parser, ec);
    if (!stopped_by_caller.ok()) {
      Register(-1);
      return stopped_by_caller;
    }
    if (ec) return fail("reading the response", ec);
  }
  Register(-1);
  // A watch whose body is not chunked still arrives, whole, at its end.
  if (on_line != nullptr && reply.status == 200 && !parser.get().chunked())
    for (size_t start = 0, nl; (nl = parser.get().body().find('\n', start)) != std::string::npos;
         start = nl + 1)
      if (auto s = (*on_line)(absl::string_view(parser.get().body()).substr(start, nl - start));
          !s.ok())
        return s;
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace sluice::agent
