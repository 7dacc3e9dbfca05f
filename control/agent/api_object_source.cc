#include "control/agent/api_object_source.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace sluice::agent {
namespace {

using nlohmann::json;

// Status codes Watch() returns: Aborted means "410 Gone, relist now".
absl::Status Gone(absl::string_view why) {
  return absl::AbortedError(absl::StrCat("watch expired (410 Gone): ", why));
}

std::string StringAt(const json& object, const char* a, const char* b) {
  if (!object.is_object() || !object.contains(a) || !object[a].is_object()) return "";
  const json& inner = object[a];
  return inner.contains(b) && inner[b].is_string() ? inner[b].get<std::string>() : "";
}

std::string Key(const json& object) {
  return absl::StrCat(StringAt(object, "metadata", "namespace"), "/",
                      StringAt(object, "metadata", "name"));
}

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
  services_.kind = "Service";
  services_.api_version = "v1";
  services_.path = "/api/v1/services";
  slices_.kind = "EndpointSlice";
  slices_.api_version = "discovery.k8s.io/v1";
  slices_.path = "/apis/discovery.k8s.io/v1/endpointslices";
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
  for (const Resource* r : {&services_, &slices_}) {
    for (const auto& [key, entry] : r->objects) {
      const k8s::Objects& one = entry.parsed;
      out.services.insert(out.services.end(), one.services.begin(), one.services.end());
      out.endpoint_slices.insert(out.endpoint_slices.end(), one.endpoint_slices.begin(),
                                 one.endpoint_slices.end());
    }
  }
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
  json list = json::parse(reply->body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array())
    return absl::UnavailableError(absl::StrCat("listing ", r.path, ": not a list"));
  std::map<std::string, Entry> objects;
  for (const json& item : list["items"])
    if (auto entry = Parse(r, item)) objects[Key(item)] = *std::move(entry);
  r.resource_version = StringAt(list, "metadata", "resourceVersion");
  std::lock_guard<std::mutex> lock(mu_);
  bool same = r.listed && objects.size() == r.objects.size() &&
              std::equal(objects.begin(), objects.end(), r.objects.begin(),
                         [](const auto& a, const auto& b) {
                           return a.first == b.first && a.second.json == b.second.json;
                         });
  if (!same) changed_ = true;
  r.objects = std::move(objects);
  r.listed = true;
  last_error_.clear();
  return absl::OkStatus();
}

absl::Status ApiObjectSource::Watch(Resource& r) {
  std::string target =
      absl::StrCat(r.path, "?watch=1&allowWatchBookmarks=true&resourceVersion=", r.resource_version,
                   "&timeoutSeconds=", options_.watch_timeout_seconds);
  auto reply =
      r.client->Stream(target, [this, &r](absl::string_view line) { return OnEvent(r, line); });
  if (!reply.ok()) return reply.status();
  if (reply->status == 410) return Gone(Message(reply->body));
  if (reply->status != 200)
    return absl::UnavailableError(
        absl::StrCat("watching ", r.path, ": HTTP ", reply->status, ": ", Message(reply->body)));
  return absl::OkStatus();
}

absl::Status ApiObjectSource::OnEvent(Resource& r, absl::string_view line) {
  json event = json::parse(line, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !event.contains("object") || !event["object"].is_object()) {
    Log(absl::StrCat(r.kind, "s: skipping a watch event that is not one: ", line.substr(0, 200)));
    return absl::OkStatus();
  }
  const std::string type = event["type"].get<std::string>();
  const json& object = event["object"];
  if (type == "ERROR") {
    int code = object.contains("code") && object["code"].is_number_integer()
                   ? object["code"].get<int>()
                   : 0;
    std::string message = StringAt(event, "object", "message");
    if (code == 410) return Gone(message);
    return absl::UnavailableError(absl::StrCat("watch error ", code, ": ", message));
  }
  if (std::string rv = StringAt(object, "metadata", "resourceVersion"); !rv.empty())
    r.resource_version = rv;
  if (type == "BOOKMARK") return absl::OkStatus();
  const std::string key = Key(object);
  if (type == "DELETED") {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.objects.erase(key) > 0) changed_ = true;
    return absl::OkStatus();
  }
  if (type != "ADDED" && type != "MODIFIED") {
    Log(absl::StrCat(r.kind, "s: skipping a watch event of type ", type));
    return absl::OkStatus();
  }
  auto entry = Parse(r, object);
  if (!entry) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  Entry& slot = r.objects[key];
  if (slot.json != entry->json) {
    slot = *std::move(entry);
    changed_ = true;
  }
  return absl::OkStatus();
}

std::optional<ApiObjectSource::Entry> ApiObjectSource::Parse(const Resource& r,
                                                             const json& object) {
  if (!object.is_object()) {
    Log(absl::StrCat(r.kind, "s: skipping an item that is not an object"));
    return std::nullopt;
  }
  // The items of a list leave kind and apiVersion out.
  json full = object;
  if (!full.contains("kind")) full["kind"] = r.kind;
  if (!full.contains("apiVersion")) full["apiVersion"] = r.api_version;
  Entry entry;
  entry.json = full.dump(-1, ' ', false, json::error_handler_t::replace);
  auto parsed = k8s::LoadObjectsText(entry.json, absl::StrCat(r.kind, " ", Key(object)));
  if (!parsed.ok()) {
    Log(absl::StrCat("skipping ", parsed.status().message()));
    return std::nullopt;
  }
  if (parsed->services.size() + parsed->endpoint_slices.size() != 1) {
    Log(absl::StrCat("skipping ", r.kind, " ", Key(object), ": not a ", r.kind, " of ",
                     r.api_version));
    return std::nullopt;
  }
  entry.parsed = *std::move(parsed);
  return entry;
}

absl::StatusOr<std::unique_ptr<ApiObjectSource>> ApiObjectSourceFromKubeconfig(
    const std::string& path, ApiObjectSourceOptions options) {
  auto endpoint = LoadKubeconfig(path);
  if (!endpoint.ok()) return endpoint.status();
  return std::make_unique<ApiObjectSource>(*std::move(endpoint), std::move(options));
}

}  // namespace sluice::agent
