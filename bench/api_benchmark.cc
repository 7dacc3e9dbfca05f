// The API server as clients see it (issue 5's goals: >= 2,000 creates/s on
// SQLite, a list of 10,000 services in <= 200 ms, write-to-event p99 <= 50 ms
// at 1,000 watchers): `sluice server`'s ApiServer on a SQLite store in a
// fresh directory (or on $API_BENCH_STORE, etcd://host:port), driven over its
// plain HTTP listener on loopback by clients that keep their connection open,
// as kubectl and client-go do. Each create is a Service that gets a ClusterIP
// allocated, validated, defaulted and committed (fsynced) like any other.
// Then three lists of every Service, and `watchers` watch connections on the
// Services of an empty namespace while 100 creates are made there 20 ms
// apart: the time from each create's 201 (and from its request) to each
// watcher's ADDED event, p50/p99/max.
//
//   build/bench/api_benchmark [services=10000] [clients=1,8,64] [watchers=1000]
//
// The files go to $API_BENCH_DIR (default /tmp): put them on the disk you mean
// to measure. Figures on the 2-vCPU VM, with another build beside it (they
// moved by 2x between runs; compare within one run):
//
//   build/bench/api_benchmark 10000 1,8,64 1000    (SQLite)
//   create Service, 1 clients               1843 /s
//   create Service, 8 clients               3555 /s
//   create Service, 64 clients              3372 /s
//   list 12000 services                     61.8 ms (200, 6631503 bytes)
//   201 to event, 1000 watchers              0.0 ms p50, 12.8 ms p99, 32.8 ms max
//   request to event, 1000 watchers         21.6 ms p50, 66.6 ms p99, 81.5 ms max
//
// Before the allocation record, the spliced lists and the shared watch lines
// (`3000 1,8`): 240 creates/s from 1 client, 67/s from 8; a list of 5,000 in
// 114-165 ms.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/apiserver/api_server.h"
#include "nlohmann/json.hpp"

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

// One watch connection: counts the event lines it receives and when.
struct Watcher {
  explicit Watcher(boost::asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_body;
  std::vector<Clock::time_point> arrivals;  // of the n-th event line
  std::atomic<size_t> events{0};
};

void ReadMore(Watcher& w) {
  http::async_read_some(w.socket, w.buffer, w.parser, [&w](beast::error_code ec, size_t) {
    if (!ec && !w.parser.is_done()) ReadMore(w);
  });
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  size_t i = std::min(values.size() - 1, static_cast<size_t>(p / 100 * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(i), values.end());
  return values[i];
}

// `watchers` watches on the Services of a namespace of their own, then
// `writes` creates there, one at a time; each sample is the time from a
// create's 201 to one watcher receiving its ADDED event (0 when the event
// came first), and from the create's request being sent.
void WatchLatency(uint16_t port, const std::string& token, int watchers, int writes) {
  Client client(port, token);
  const std::string ns = "watch-bench";
  client.Call(
      http::verb::post, "/api/v1/namespaces",
      absl::StrCat(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")", ns, R"("}})"));
  auto [status, list] =
      client.Call(http::verb::get, absl::StrCat("/api/v1/namespaces/", ns, "/services"));
  nlohmann::json parsed = nlohmann::json::parse(list, nullptr, false);
  std::string rv = status == 200 ? parsed["metadata"].value("resourceVersion", "") : "";
  boost::asio::io_context io;
  std::vector<std::unique_ptr<Watcher>> all;
  for (int i = 0; i < watchers; ++i) {
    auto w = std::make_unique<Watcher>(io);
    w->socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    w->socket.set_option(tcp::no_delay(true));
    w->arrivals.resize(static_cast<size_t>(writes));
    Watcher* raw = w.get();
    w->on_body = [raw](uint64_t, beast::string_view body, beast::error_code&) {
      auto now = Clock::now();
      size_t n = raw->events;
      for (char c : body)
        if (c == '\n' && n < raw->arrivals.size()) raw->arrivals[n++] = now;
      raw->events = n;
      return body.size();
    };
    w->parser.on_chunk_body(w->on_body);
    http::request<http::empty_body> req{
        http::verb::get,
        absl::StrCat("/api/v1/namespaces/", ns, "/services?watch=1&resourceVersion=", rv), 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token);
    http::write(w->socket, req);
    http::read_header(w->socket, w->buffer, w->parser);
    ReadMore(*w);
    all.push_back(std::move(w));
  }
  std::thread reader([&io] { io.run(); });
  std::vector<Clock::time_point> sent, acks;
  for (int i = 0; i < writes; ++i) {
    sent.push_back(Clock::now());
    auto [code, body] =
        client.Call(http::verb::post, absl::StrCat("/api/v1/namespaces/", ns, "/services"),
                    ServiceBody(absl::StrCat("w-", i)));
    acks.push_back(Clock::now());
    if (code != 201) std::fprintf(stderr, "watch write: %d %s\n", code, body.c_str());
    // Apart, so that each sample is one event's delivery, not a queue's.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Every event has been delivered (or 30 s have passed).
  auto deadline = Clock::now() + std::chrono::seconds(30);
  auto delivered = [&] {
    size_t n = 0;
    for (const auto& w : all) n += w->events;
    return n;
  };
  while (delivered() < static_cast<size_t>(watchers) * writes && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  io.stop();
  reader.join();
  auto report = [&](const char* from, const std::vector<Clock::time_point>& start) {
    std::vector<double> ms;
    size_t missing = 0;
    for (const auto& w : all)
      for (size_t i = 0; i < start.size(); ++i) {
        if (i >= w->events) {
          ++missing;
          continue;
        }
        ms.push_back(std::max(
            0.0, std::chrono::duration<double, std::milli>(w->arrivals[i] - start[i]).count()));
      }
    double max = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
    double p50 = Percentile(ms, 50), p99 = Percentile(ms, 99);
    std::printf("%-34s %9.1f ms p50, %.1f ms p99, %.1f ms max (%zu samples, %zu missing)\n",
                absl::StrCat(from, " to event, ", watchers, " watchers").c_str(), p50, p99, max,
                ms.size(), missing);
  };
  report("201", acks);
  report("request", sent);
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
  int watchers = argc > 3 ? std::atoi(argv[3]) : 1000;
  const char* store = std::getenv("API_BENCH_STORE");
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
    if (store != nullptr) options.store = store;
    auto server = apiserver::ApiServer::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
      rc = 1;
    } else {
      std::string url = (*server)->insecure_url();
      uint16_t port = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
      std::string token = (*server)->tokens().admin_token();
      std::printf("API server on %s, plain HTTP on loopback, keep-alive clients\n",
                  store != nullptr ? store : absl::StrCat("SQLite (", tmpl, ")").c_str());
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
      if (watchers > 0) WatchLatency(port, token, watchers, 100);
      (*server)->Stop();
    }
  }
  std::filesystem::remove_all(tmpl);
  return rc;
}
