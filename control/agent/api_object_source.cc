#include "control/agent/api_object_source.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace sluice::agent {
namespace {

using nlohmann::json;

// A Status body's message, or the body itself.
std::string Message(const std::string& body) {
  json status = json::parse(body, nullptr, false);
  if (status.is_object() && status.contains("message") && status["message"].is_string())
    return status["message"].get<std::string>();
  return body.substr(0, 200);
}

}  // namespace

ApiObjectSource::ApiObjectSource(ApiEndpoint endpoint, ApiObjectSourceOptions options)
    : server_(endpoint.server), options_(std::move(options)) {
  auto log = [this](const std::string& message) { Log(message); };
  services_.kind = "Service";
  services_.path = "/api/v1/services";
  services_.cache = std::make_unique<KindCache>("Service", "v1", log);
  slices_.kind = "EndpointSlice";
  slices_.path = "/apis/discovery.k8s.io/v1/endpointslices";
  slices_.cache = std::make_unique<KindCache>("EndpointSlice", "discovery.k8s.io/v1", log);
  for (Resource* r : {&services_, &slices_}) {
    r->client = std::make_unique<ApiClient>(endpoint);
    r->thread = std::thread([this, r] { Run(*r); });
  }
}

ApiObjectSource::~ApiObjectSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (Resource* r : {&services_, &slices_}) r->client->Cancel();
  for (Resource* r : {&services_, &slices_}) r->thread.join();
}

absl::StatusOr<std::optional<k8s::Objects>> ApiObjectSource::Poll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!services_.listed || !slices_.listed)
    return absl::UnavailableError(
        absl::StrCat("waiting for the first list of Services and EndpointSlices from ", server_,
                     last_error_.empty() ? "" : ": ", last_error_));
  if (!changed_) return std::optional<k8s::Objects>();
  changed_ = false;
  k8s::Objects out;
  for (const Resource* r : {&services_, &slices_}) r->cache->AppendTo(out);
  return std::optional<k8s::Objects>(std::move(out));
}

void ApiObjectSource::Log(const std::string& message) {
  if (options_.log) {
    options_.log(message);
  } else {
    std::cerr << "sluice agent: " << message << std::endl;
  }
}

void ApiObjectSource::Run(Resource& r) {
  std::chrono::milliseconds backoff = options_.min_backoff;
  bool need_list = true;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    absl::Status s = need_list ? List(r) : absl::OkStatus();
    auto watch_start = std::chrono::steady_clock::now();
    if (s.ok()) {
      need_list = false;
      s = Watch(r);
      if (s.ok()) continue;  // the server's timeout: resume from where it was
    }
    if (absl::IsCancelled(s)) return;
    need_list = true;
    Log(absl::StrCat(r.kind, "s: ", s.message()));
    if (absl::IsAborted(s)) continue;
    // A watch that ran a while was a success: the next failure starts over.
    if (std::chrono::steady_clock::now() - watch_start > std::chrono::seconds(10))
      backoff = options_.min_backoff;
    std::unique_lock<std::mutex> lock(mu_);
    last_error_ = std::string(s.message());
    wake_.wait_for(lock, backoff, [this] { return stop_; });
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status ApiObjectSource::List(Resource& r) {
  auto reply = r.client->Get(r.path);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200)
    return absl::UnavailableError(
        absl::StrCat("listing ", r.path, ": HTTP ", reply->status, ": ", Message(reply->body)));
  std::lock_guard<std::mutex> lock(mu_);
  auto changed = r.cache->ReplaceWithList(reply->body);
  if (!changed.ok()) return changed.status();
  if (*changed || !r.listed) changed_ = true;
  r.listed = true;
  last_error_.clear();
  return absl::OkStatus();
}

absl::Status ApiObjectSource::Watch(Resource& r) {
  std::string resource_version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    resource_version = r.cache->resource_version();
  }
  std::string target =
      absl::StrCat(r.path, "?watch=1&allowWatchBookmarks=true&resourceVersion=", resource_version,
                   "&timeoutSeconds=", options_.watch_timeout_seconds);
  auto reply = r.client->Stream(target, [this, &r](absl::string_view line) -> absl::Status {
    std::lock_guard<std::mutex> lock(mu_);
    auto changed = r.cache->ApplyEvent(line);
    if (!changed.ok()) return changed.status();
    if (*changed) changed_ = true;
    return absl::OkStatus();
  });
  if (!reply.ok()) return reply.status();
  if (reply->status == 410)
    return absl::AbortedError(absl::StrCat("watch expired (410 Gone): ", Message(reply->body)));
  if (reply->status != 200)
    return absl::UnavailableError(
        absl::StrCat("watching ", r.path, ": HTTP ", reply->status, ": ", Message(reply->body)));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ApiObjectSource>> ApiObjectSourceFromKubeconfig(
    const std::string& path, ApiObjectSourceOptions options) {
  auto endpoint = LoadKubeconfig(path);
  if (!endpoint.ok()) return endpoint.status();
  return std::make_unique<ApiObjectSource>(*std::move(endpoint), std::move(options));
}

}  // namespace sluice::agent
