#include "control/apiserver/metrics.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace sluice::apiserver {
namespace {

// Prometheus' text format escapes backslash, quote and newline in values.
std::string Label(absl::string_view name, absl::string_view value) {
  return absl::StrCat(name, "=\"",
                      absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}),
                      "\"");
}

std::string Number(double value) {
  return absl::StrCat(value);
}

}  // namespace

std::string MetricVerb(const RequestAttributes& a) {
  if (a.resource_request) {
    if (a.verb == "create") return "POST";
    if (a.verb == "update") return "PUT";
    if (a.verb == "get" || a.verb == "list" || a.verb == "watch" || a.verb == "patch" ||
        a.verb == "delete" || a.verb == "deletecollection")
      return absl::AsciiStrToUpper(a.verb);
    return "OTHER";
  }
  static const std::set<std::string> kMethods = {"get",   "head",   "post",   "put",
                                                 "patch", "delete", "options"};
  return kMethods.contains(a.verb) ? absl::AsciiStrToUpper(a.verb) : "OTHER";
}

void ApiMetrics::RecordRequest(const std::string& verb, const std::string& resource, int code,
                               absl::Duration duration) {
  double seconds = absl::ToDoubleSeconds(duration);
  absl::MutexLock lock(&mu_);
  ++requests_[{verb, resource, code}];
  Histogram& h = durations_[{verb, resource}];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++h.counts[i];
      break;
    }
  ++h.count;
  h.sum += seconds;
}

void ApiMetrics::WatchStarted(const std::string& resource) {
  absl::MutexLock lock(&mu_);
  ++requests_[{"WATCH", resource, 200}];
  ++watches_[resource];
}

void ApiMetrics::WatchEnded(const std::string& resource) {
  absl::MutexLock lock(&mu_);
  --watches_[resource];
}

std::string ApiMetrics::PrometheusText() const {
  absl::MutexLock lock(&mu_);
  std::string out =
      "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, "
      "resource and HTTP response code.\n"
      "# TYPE apiserver_request_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [verb, resource, code] = key;
    absl::StrAppend(&out, "apiserver_request_total{", Label("code", absl::StrCat(code)), ",",
                    Label("resource", resource), ",", Label("verb", verb), "} ", count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP apiserver_request_duration_seconds Response latency distribution in "
                  "seconds for each verb and resource.\n"
                  "# TYPE apiserver_request_duration_seconds histogram\n");
  for (const auto& [key, h] : durations_) {
    std::string labels = absl::StrCat(Label("resource", key.second), ",", Label("verb", key.first));
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      absl::StrAppend(&out, "apiserver_request_duration_seconds_bucket{", labels, ",",
                      Label("le", Number(kBuckets[i])), "} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "apiserver_request_duration_seconds_bucket{", labels, ",le=\"+Inf\"} ",
                    h.count, "\n");
    absl::StrAppend(&out, "apiserver_request_duration_seconds_sum{", labels, "} ", Number(h.sum),
                    "\n");
    absl::StrAppend(&out, "apiserver_request_duration_seconds_count{", labels, "} ", h.count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP apiserver_longrunning_requests Gauge of all active long-running "
                  "apiserver requests broken out by verb and resource.\n"
                  "# TYPE apiserver_longrunning_requests gauge\n");
  for (const auto& [resource, count] : watches_)
    absl::StrAppend(&out, "apiserver_longrunning_requests{", Label("resource", resource), ",",
                    Label("verb", "WATCH"), "} ", count, "\n");
  return out;
}

}  // namespace sluice::apiserver
