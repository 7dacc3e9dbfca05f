// The API server's metrics in Prometheus' text format (/metrics), named as
// kube-apiserver names them: apiserver_request_total{code,resource,verb},
// apiserver_request_duration_seconds{resource,verb} (a histogram with
// kube-apiserver's buckets) and apiserver_longrunning_requests{resource,verb}
// (open watches). Label values come from a bounded set: the caller passes ""
// for a resource the server does not serve, and verbs are Kubernetes' own.
#ifndef SLUICE_CONTROL_APISERVER_METRICS_H_
#define SLUICE_CONTROL_APISERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/apiserver/authorization.h"

namespace sluice::apiserver {

// kube-apiserver's verb label: GET, LIST, WATCH, POST, PUT, PATCH, DELETE,
// DELETECOLLECTION for resources, the method for other paths (OTHER when it
// is none of HTTP's usual ones).
std::string MetricVerb(const RequestAttributes& attributes);

class ApiMetrics {
 public:
  void RecordRequest(const std::string& verb, const std::string& resource, int code,
                     absl::Duration duration);
  // A watch counts as a request when it starts (its duration is the client's
  // choice, so it stays out of the histogram) and as long-running until it ends.
  void WatchStarted(const std::string& resource);
  void WatchEnded(const std::string& resource);

  std::string PrometheusText() const;

 private:
  static constexpr std::array<double, 23> kBuckets = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8,
                                                      1.0,   1.25,  1.5,  2,   3,   4,   5,   6,
                                                      8,     10,    15,   20,  30,  45,  60};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // not cumulative; summed on output
    uint64_t count = 0;
    double sum = 0;
  };
  using VerbResource = std::pair<std::string, std::string>;

  mutable absl::Mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<VerbResource, Histogram> durations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> watches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_METRICS_H_
