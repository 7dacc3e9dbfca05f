// The store's backends under the loads the API server puts on them (issue 5's
// goals: >= 2,000 creates/s, a list of 10,000 services in <= 200 ms, event
// fan-out p99 <= 50 ms at 1,000 watchers). Each case runs on SQLite and on a
// real etcd on loopback ports (/sqlite and /etcd in the names).
//
// The files live in $STORE_BENCH_DIR (default /tmp; etcd's in the test temp
// directory): put them on the disk you mean to measure, as every commit is
// fsynced by both.
//
//   build/bench/store_benchmark
//   build/bench/store_benchmark --benchmark_filter=Creates/etcd
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "control/store/etcd_store.h"
#include "control/store/etcd_test_server.h"
#include "control/store/sqlite_store.h"

namespace sluice::store {
namespace {

enum class Backend { kSqlite, kEtcd };

// A store in a new directory (SQLite) or a new etcd, removed afterwards.
class BenchStore {
 public:
  explicit BenchStore(Backend backend) {
    if (backend == Backend::kEtcd) {
      absl::StatusOr<std::unique_ptr<EtcdTestServer>> etcd = EtcdTestServer::Start();
      if (!etcd.ok()) std::abort();
      etcd_ = *std::move(etcd);
      auto store = EtcdStore::Open(EtcdStoreOptions{.endpoints = {etcd_->endpoint()}});
      if (!store.ok()) std::abort();
      store_ = *std::move(store);
      return;
    }
    const char* base = std::getenv("STORE_BENCH_DIR");
    std::string dir = absl::StrCat(base ? base : "/tmp", "/store_benchmark_XXXXXX");
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    dir_ = dir;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_ + "/store.db", {});
    if (!store.ok()) std::abort();
    sqlite_ = store->get();
    store_ = *std::move(store);
  }
  ~BenchStore() {
    store_.reset();
    etcd_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  SqliteStore* sqlite() { return sqlite_; }  // null for etcd

 private:
  std::string dir_;
  std::unique_ptr<EtcdTestServer> etcd_;
  StorePtr store_;
  SqliteStore* sqlite_ = nullptr;
};

// A Service-sized object.
const std::string kValue(1024, 'x');

// Runs `count` creates of keys under `prefix` from `writers` threads.
void CreateKeys(Store& store, const std::string& prefix, int count, int writers) {
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < count; i += writers) {
        if (!store.Create(absl::StrCat(prefix, i), kValue).ok()) std::abort();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// Creates per second with N concurrent writers: the group commit (SQLite's
// committer, etcd's raft batches) shares one fsync among the writers that
// arrive while the previous commit is flushed.
void BM_Creates(benchmark::State& state, Backend backend) {
  const int writers = static_cast<int>(state.range(0));
  const int count = writers == 1 ? 500 : 4000;
  BenchStore store(backend);
  int round = 0;
  for (auto _ : state) {
    CreateKeys(*store, absl::StrCat("/registry/services/specs/ns", round++, "/svc-"), count,
               writers);
  }
  state.SetItemsProcessed(state.iterations() * count);
  if (store.sqlite() != nullptr) {
    sqlite::Committer::Stats stats = store.sqlite()->commit_stats();
    state.counters["writes_per_commit"] = static_cast<double>(stats.ops) / stats.commits;
  }
}

// One List of 10,000 Service-sized values, as `kubectl get services -A`
// without paging.
void BM_List10k(benchmark::State& state, Backend backend) {
  BenchStore store(backend);
  CreateKeys(*store, "/registry/services/specs/default/svc-", 10000, 64);
  for (auto _ : state) {
    absl::StatusOr<ListResult> list =
        store->List(ListOptions{.prefix = "/registry/services/specs/"});
    if (!list.ok() || list->kvs.size() != 10000) std::abort();
    benchmark::DoNotOptimize(list);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

// Events received by the watchers, with their latency from the start of the
// write that made them.
class Deliveries {
 public:
  void WriteStarts() { write_start_ns_ = absl::GetCurrentTimeNanos(); }

  void Record(size_t events) {
    double ms = static_cast<double>(absl::GetCurrentTimeNanos() - write_start_ns_.load()) / 1e6;
    absl::MutexLock lock(&mu_);
    latencies_ms_.insert(latencies_ms_.end(), events, ms);
  }

  size_t Count() {
    absl::MutexLock lock(&mu_);
    return latencies_ms_.size();
  }

  void AwaitCount(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [&] { return latencies_ms_.size() >= count; };
    mu_.Await(absl::Condition(&reached));
  }

  void Report(benchmark::State& state) {
    absl::MutexLock lock(&mu_);
    std::vector<double>& sorted = latencies_ms_;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) { return sorted[static_cast<size_t>(q * (sorted.size() - 1))]; };
    state.counters["p50_ms"] = at(0.5);
    state.counters["p99_ms"] = at(0.99);
    state.counters["max_ms"] = sorted.back();
    state.SetItemsProcessed(static_cast<int64_t>(sorted.size()));
  }

 private:
  std::atomic<int64_t> write_start_ns_{0};
  absl::Mutex mu_;
  std::vector<double> latencies_ms_;
};

// A thread per stream, blocked in Next().
void ServeWithThreads(std::vector<WatchStreamPtr>& streams, Deliveries& deliveries,
                      std::atomic<bool>& stop, std::vector<std::thread>& threads) {
  for (WatchStreamPtr& stream : streams) {
    threads.emplace_back([&, stream = stream.get()] {
      while (!stop.load()) {
        absl::StatusOr<WatchResponse> response = stream->Next(absl::Milliseconds(100));
        if (!response.ok()) return;
        if (!response->events.empty()) deliveries.Record(response->events.size());
      }
    });
  }
}

// Streams whose on_ready fired, served by two threads as an event loop would.
class ReadyQueue {
 public:
  std::function<void()> Callback(int index) {
    return [this, index] {
      absl::MutexLock lock(&mu_);
      ready_.push_back(index);
    };
  }

  void Serve(std::vector<WatchStreamPtr>& streams, Deliveries& deliveries, std::atomic<bool>& stop,
             std::vector<std::thread>& threads) {
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          std::optional<int> index = Pop(absl::Milliseconds(100));
          if (!index.has_value()) continue;
          absl::StatusOr<WatchResponse> response = streams[*index]->Next(absl::ZeroDuration());
          if (response.ok() && !response->events.empty()) {
            deliveries.Record(response->events.size());
          }
        }
      });
    }
  }

 private:
  std::optional<int> Pop(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto has_work = [&] { return !ready_.empty(); };
    mu_.AwaitWithTimeout(absl::Condition(&has_work), timeout);
    if (ready_.empty()) return std::nullopt;
    int index = ready_.front();
    ready_.pop_front();
    return index;
  }

  absl::Mutex mu_;
  std::deque<int> ready_;
};

// Latency from the start of a write to its event coming out of each of 1,000
// watch streams: p50/p99/max over every (write, watcher) pair. Writes are
// spaced so that each is measured on its own. range(0): 1 for a thread
// blocked in Next() per watcher, 0 for on_ready callbacks served by two
// threads.
void BM_WatchFanOut(benchmark::State& state, Backend backend) {
  constexpr int kWatchers = 1000;
  constexpr int kWrites = 200;
  const bool thread_per_watcher = state.range(0) == 1;
  BenchStore store(backend);
  Deliveries deliveries;
  ReadyQueue ready;
  std::vector<WatchStreamPtr> streams;
  for (int i = 0; i < kWatchers; ++i) {
    WatchOptions options{.prefix = "/registry/services/"};
    if (!thread_per_watcher) options.on_ready = ready.Callback(i);
    streams.push_back(*store->Watch(options));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  if (thread_per_watcher) {
    ServeWithThreads(streams, deliveries, stop, threads);
  } else {
    ready.Serve(streams, deliveries, stop, threads);
  }
  for (auto _ : state) {
    for (int w = 0; w < kWrites; ++w) {
      size_t expected = deliveries.Count() + kWatchers;
      deliveries.WriteStarts();
      if (!store->Create(absl::StrCat("/registry/services/specs/default/svc-", w), kValue).ok()) {
        std::abort();
      }
      deliveries.AwaitCount(expected);
    }
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();
  deliveries.Report(state);
}

// Every case on both backends: BM_Creates/sqlite/4, BM_Creates/etcd/4, ...
void RegisterBenchmarks() {
  for (auto [name, backend] : {std::pair{"sqlite", Backend::kSqlite}, {"etcd", Backend::kEtcd}}) {
    benchmark::RegisterBenchmark(absl::StrCat("BM_Creates/", name).c_str(), BM_Creates, backend)
        ->Arg(1)
        ->Arg(4)
        ->Arg(16)
        ->Arg(64)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(absl::StrCat("BM_List10k/", name).c_str(), BM_List10k, backend)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(absl::StrCat("BM_WatchFanOut/", name).c_str(), BM_WatchFanOut,
                                 backend)
        ->ArgName("thread_per_watcher")
        ->Arg(1)
        ->Arg(0)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace sluice::store

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  sluice::store::RegisterBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
