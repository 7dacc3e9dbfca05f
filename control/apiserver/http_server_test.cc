// The HTTP layer over a real loopback socket, with a small Beast client.
#include "control/apiserver/http_server.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "gtest/gtest.h"

namespace sluice::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         std::string body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);  // the server may answer before it reads the body
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    return res;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

HttpResponse Echo(const HttpRequest& r) {
  if (r.path == "/stream") {
    HttpResponse res;
    res.stream = [](ChunkWriter& out) {
      for (int i = 0; i < 3; ++i) out.Write("{\"n\":" + std::to_string(i) + "}\n");
    };
    return res;
  }
  return {
      .status = 200,
      .content_type = "text/plain",
      .body = r.method + " " + r.path + " " + r.Query("q") + " " + std::to_string(r.body.size())};
}

TEST(HttpServer, ServesSeveralRequestsOnOneConnection) {
  auto server = HttpServer::Start("127.0.0.1", 0, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  Client client((*server)->port());
  EXPECT_EQ(client.Send(http::verb::get, "/a%2Fb?q=x+y").body(), "GET /a/b x y 0");
  EXPECT_EQ(client.Send(http::verb::post, "/c", "hello").body(), "POST /c  5");
}

TEST(HttpServer, BodiesOverThreeMebibytesAre413) {
  auto server = HttpServer::Start("127.0.0.1", 0, Echo);
  ASSERT_TRUE(server.ok());
  Client client((*server)->port());
  auto res = client.Send(http::verb::post, "/big", std::string(kMaxRequestBodyBytes + 1, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("RequestEntityTooLarge"), std::string::npos);
  Client again((*server)->port());
  EXPECT_EQ(again.Send(http::verb::post, "/ok", std::string(kMaxRequestBodyBytes, 'x')).body(),
            "POST /ok  3145728");
}

TEST(HttpServer, StreamsAreChunked) {
  auto server = HttpServer::Start("127.0.0.1", 0, Echo);
  ASSERT_TRUE(server.ok());
  Client client((*server)->port());
  auto res = client.Send(http::verb::get, "/stream");
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(), "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

TEST(HttpServer, StopEndsAStreamThatIsStillRunning) {
  std::atomic<bool> ended{false};
  auto server = HttpServer::Start("127.0.0.1", 0, [&](const HttpRequest&) {
    HttpResponse res;
    res.stream = [&](ChunkWriter& out) {
      out.Write("{}\n");
      while (!out.PeerClosed() && out.Write("")) usleep(10000);
      ended = true;
    };
    return res;
  });
  ASSERT_TRUE(server.ok());
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*server)->port()));
  http::request<http::empty_body> req{http::verb::get, "/w", 11};
  http::write(socket, req);
  usleep(100000);
  (*server)->Stop();
  EXPECT_TRUE(ended);
}

TEST(HttpServer, ABusyPortIsAnError) {
  auto first = HttpServer::Start("127.0.0.1", 0, Echo);
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::Start("127.0.0.1", (*first)->port(), Echo);
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace sluice::apiserver
