#include "control/apiserver/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>

#include "absl/strings/str_cat.h"

namespace sluice::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Kubernetes clients hold a connection open between requests; this bounds how
// long an idle one keeps its thread.
constexpr int kIdleTimeoutSeconds = 120;

template <typename Stream>
class StreamChunkWriter : public ChunkWriter {
 public:
  StreamChunkWriter(Stream& stream, int fd) : stream_(stream), fd_(fd) {}

  bool Write(absl::string_view data) override {
    if (failed_) return false;
    if (data.empty()) return true;  // an empty chunk would end the response
    beast::error_code ec;
    asio::write(stream_, http::make_chunk(asio::buffer(data.data(), data.size())), ec);
    failed_ = static_cast<bool>(ec);
    return !failed_;
  }

  bool PeerClosed() override {
    if (failed_) return true;
    pollfd p{.fd = fd_, .events = POLLIN | POLLRDHUP, .revents = 0};
    if (poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    // Readable: a client may pipeline, but a watching client sends nothing;
    // zero bytes peeked means the peer closed.
    char c;
    return recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  bool failed() const { return failed_; }

 private:
  Stream& stream_;
  int fd_;
  bool failed_ = false;
};

HttpRequest ToRequest(const http::request<http::string_body>& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  absl::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  out.path = PercentDecode(target.substr(0, q));
  if (q != absl::string_view::npos) out.query = ParseQuery(target.substr(q + 1));
  out.content_type = std::string(req[http::field::content_type]);
  out.accept = std::string(req[http::field::accept]);
  out.host = std::string(req[http::field::host]);
  out.authorization = std::string(req[http::field::authorization]);
  out.user_agent = std::string(req[http::field::user_agent]);
  out.body = req.body();
  return out;
}

std::string WarningValue(const std::string& text) {
  std::string quoted;
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "299 - \"" + quoted + "\"";
}

template <typename Stream>
bool WriteSimple(Stream& stream, unsigned version, bool keep_alive, int status,
                 const std::string& content_type, std::string body,
                 const std::vector<std::string>& warnings = {}) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-cache, private");
  // RFC 7234 warn-code 299 with agent "-", as Kubernetes sends them.
  for (const std::string& w : warnings) res.insert(http::field::warning, WarningValue(w));
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  beast::error_code ec;
  http::write(stream, res, ec);
  return !ec;
}

// Closing with unread input makes the kernel send a reset, which can destroy
// the answer before the client reads it (a client still sending a body too
// large for us). So: stop sending, then read and discard a bounded amount.
template <typename Stream>
void DrainBeforeClose(Stream& stream, int fd) {
  ::shutdown(fd, SHUT_WR);
  char buf[64 * 1024];
  size_t drained = 0;
  beast::error_code ec;
  while (!ec && drained < 4 * kMaxRequestBodyBytes)
    drained += stream.read_some(asio::buffer(buf, sizeof(buf)), ec);
}

// One connection: requests in order until the client closes or errs.
template <typename Stream>
void ServeConnection(Stream& stream, int fd, const HttpHandler& handler) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBodyBytes);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      WriteSimple(stream, 11, false, 413, "application/json",
                  R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                  R"("message":"the request body is larger than 3 MiB",)"
                  R"("reason":"RequestEntityTooLarge","code":413})");
      DrainBeforeClose(stream, fd);
      return;
    }
    if (ec) return;  // closed, timed out or not HTTP: nothing to answer
    const auto& req = parser.get();
    HttpResponse res = handler(ToRequest(req));
    bool keep_alive = req.keep_alive();
    if (!res.stream) {
      if (!WriteSimple(stream, req.version(), keep_alive, res.status, res.content_type,
                       std::move(res.body), res.warnings))
        return;
      if (!keep_alive) return;
      continue;
    }
    http::response<http::empty_body> head{static_cast<http::status>(res.status), req.version()};
    head.set(http::field::content_type, res.content_type);
    head.set(http::field::cache_control, "no-cache, private");
    head.chunked(true);
    head.keep_alive(keep_alive);
    http::response_serializer<http::empty_body> sr{head};
    http::write_header(stream, sr, ec);
    if (ec) return;
    StreamChunkWriter<Stream> writer(stream, fd);
    res.stream(writer);
    if (writer.failed()) return;
    asio::write(stream, http::make_chunk_last(), ec);
    if (ec || !keep_alive) return;
  }
}

// A TLS connection opens with a handshake record (content type 22); a client
// speaking plain HTTP to the TLS port gets told so, as Go's servers do,
// rather than a failed handshake it cannot explain.
bool StartsWithTlsRecord(int fd) {
  unsigned char first = 0;
  ssize_t n = recv(fd, &first, 1, MSG_PEEK);
  return n != 1 || first == 0x16;
}

absl::StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const TlsCredentials& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (!ec)
    context->use_certificate_chain(
        asio::buffer(tls.cert_chain_pem.data(), tls.cert_chain_pem.size()), ec);
  if (!ec)
    context->use_private_key(asio::buffer(tls.key_pem.data(), tls.key_pem.size()),
                             ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS credentials: ", ec.message()));
  return context;
}

}  // namespace

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  HttpHandler handler;
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  absl::Mutex mu;
  // Live connections, so that Stop() can shut them down; finished ones are
  // joined by the acceptor as it goes.
  struct Connection {
    tcp::socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  };
  std::list<std::unique_ptr<Connection>> connections ABSL_GUARDED_BY(mu);

  void ReapFinished() {
    absl::MutexLock lock(&mu);
    for (auto it = connections.begin(); it != connections.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  }

  void AcceptLoop() {
    while (!stopping) {
      beast::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec) {
        if (stopping) return;
        continue;
      }
      ReapFinished();
      timeval tv{.tv_sec = kIdleTimeoutSeconds, .tv_usec = 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      socket.set_option(tcp::no_delay(true), ec);
      absl::MutexLock lock(&mu);
      auto conn = std::make_unique<Connection>(std::move(socket));
      Connection* c = conn.get();
      c->thread = std::thread([this, c] {
        int fd = c->socket.native_handle();
        if (tls && !StartsWithTlsRecord(fd)) {
          WriteSimple(c->socket, 11, false, 400, "text/plain; charset=utf-8",
                      "Client sent an HTTP request to an HTTPS server.\n");
          DrainBeforeClose(c->socket, fd);
        } else if (tls) {
          ssl::stream<tcp::socket&> stream(c->socket, *tls);
          beast::error_code handshake_error;
          stream.handshake(ssl::stream_base::server, handshake_error);
          // No close_notify at the end: every response is delimited by its
          // length or its last chunk, and waiting for the peer's would hold
          // the thread.
          if (!handshake_error) ServeConnection(stream, fd, handler);
        } else {
          ServeConnection(c->socket, fd, handler);
        }
        beast::error_code ignored;
        c->socket.shutdown(tcp::socket::shutdown_both, ignored);
        c->done = true;
      });
      connections.push_back(std::move(conn));
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                              uint16_t port, HttpHandler handler,
                                                              std::optional<TlsCredentials> tls) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  if (tls) {
    auto context = MakeTlsContext(*tls);
    if (!context.ok()) return context.status();
    impl->tls = *std::move(context);
  }
  beast::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen address ", address));
  tcp::endpoint endpoint(ip, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(
        absl::StrCat("listening on ", address, ":", port, ": ", ec.message()));
  uint16_t bound = impl->acceptor.local_endpoint().port();
  Impl* raw = impl.get();
  impl->accept_thread = std::thread([raw] { raw->AcceptLoop(); });
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(impl)));
  server->port_ = bound;
  return server;
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  beast::error_code ec;
  // shutdown() wakes a blocked accept(); close() alone does not on Linux.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  absl::MutexLock lock(&impl_->mu);
  for (auto& c : impl_->connections) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
  for (auto& c : impl_->connections) c->thread.join();
  impl_->connections.clear();
}

}  // namespace sluice::apiserver
