// The API server as clients see it (issue 5's goals: >= 2,000 creates/s on
// SQLite, a list of 10,000 services in <= 200 ms): `sluice server`'s
// ApiServer on a SQLite store in a fresh directory, driven over its plain
// HTTP listener on loopback by clients that keep their connection open, as
// kubectl and client-go do. Each create is a Service that gets a ClusterIP
// allocated, validated, defaulted and committed (fsynced) like any other.
//
//   build/bench/api_benchmark [services=10000] [clients=1,8,64]
//
// The files go to $API_BENCH_DIR (default /tmp): put them on the disk you mean
// to measure.
#include <stdlib.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"

namespace sluice {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// One client connection, kept open across requests.
class Client {
 public:
  Client(uint16_t port, std::string token) : socket_(io_), token_(std::move(token)) {
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));  // as client-go's connections
  }
  // The response's status and body.
  std::pair<int, std::string> Call(http::verb verb, const std::string& target,
                                   const std::string& body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token_);
    req.set(http::field::accept, "application/json");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    http::read(socket_, buffer_, parser);
    return {parser.get().result_int(), parser.get().body()};
  }

 private:
  boost::asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string token_;
};

std::string ServiceBody(const std::string& name) {
  return absl::StrCat(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")", name,
                      R"(","labels":{"app":"bench"}},"spec":{"selector":{"app":")", name,
                      R"("},"ports":[{"name":"http","port":80,"targetPort":8080}]}})");
}

// Creates `count` services named <prefix>-<i> from `clients` connections;
// returns creates per second (every create must answer 201).
double Creates(uint16_t port, const std::string& token, const std::string& prefix, int count,
               int clients) {
  std::atomic<int> next{0}, failed{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Client client(port, token);
      for (int i = next++; i < count; i = next++) {
        auto [status, body] = client.Call(http::verb::post, "/api/v1/namespaces/default/services",
                                          ServiceBody(absl::StrCat(prefix, "-", i)));
        if (status != 201) {
          if (failed++ == 0) std::fprintf(stderr, "create: %d %s\n", status, body.c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed > 0) std::fprintf(stderr, "%d creates failed\n", failed.load());
  return count / s;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  using namespace sluice;
  int services = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::vector<int> client_counts = {1, 8, 64};
  if (argc > 2) {
    client_counts.clear();
    for (const char* p = argv[2]; *p;) {
      client_counts.push_back(static_cast<int>(std::strtol(p, const_cast<char**>(&p), 10)));
      if (*p == ',') ++p;
    }
  }
  const char* base = std::getenv("API_BENCH_DIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/api_benchmark.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  int rc = 0;
  {
    apiserver::ApiServerOptions options;
    options.data_dir = tmpl;
    options.port = 0;
    options.insecure_listen_address = "127.0.0.1";
    options.insecure_port = 0;
    // Room for every Service the runs create (a /16 holds 65,534).
    options.service_network.cluster_ip_ranges = {"10.96.0.0/16"};
    auto server = apiserver::ApiServer::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
      rc = 1;
    } else {
      std::string url = (*server)->insecure_url();
      uint16_t port = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
      std::string token = (*server)->tokens().admin_token();
      std::printf("API server on SQLite (%s), plain HTTP on loopback, keep-alive clients\n",
                  tmpl.c_str());
      std::printf("%-34s %12s\n", "case", "result");
      int made = 0;
      for (int clients : client_counts) {
        int count = clients == 1 ? std::min(services, 2000) : std::min(services, 5000);
        double rate = Creates(port, token, absl::StrCat("c", clients), count, clients);
        made += count;
        std::printf("%-34s %9.0f /s\n",
                    absl::StrCat("create Service, ", clients, " clients").c_str(), rate);
        std::fflush(stdout);
      }
      if (made < services) Creates(port, token, "fill", services - made, 16);
      Client client(port, token);
      for (int run = 0; run < 3; ++run) {
        auto start = Clock::now();
        auto [status, body] = client.Call(http::verb::get, "/api/v1/services");
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        std::printf("%-34s %9.1f ms (%d, %zu bytes)\n",
                    absl::StrCat("list ", std::max(services, made), " services").c_str(), ms,
                    status, body.size());
      }
      (*server)->Stop();
    }
  }
  std::filesystem::remove_all(tmpl);
  return rc;
}
