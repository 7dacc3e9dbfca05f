#include "control/apiserver/watch.h"

#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/selector.h"
#include "control/apiserver/table.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

struct WatchState {
  const ResourceType* type;
  Selector labels;
  Selector fields;
  OutputFormat format;
  std::string include_object;
  bool bookmarks = false;
  bool sent_columns = false;
  std::function<absl::Time()> clock;

  bool Matches(const json& o) const { return labels.Matches(o) && fields.Matches(o); }

  std::string Line(const std::string& event_type, const json& object) {
    json shown = object;
    if (format.table && event_type != "ERROR" && event_type != "BOOKMARK") {
      // Kubernetes sends the column definitions with the first event only.
      shown = ToTable(*type, {object},
                      {.include_object = include_object,
                       .with_columns = !sent_columns,
                       .table_version = format.table_version},
                      clock());
      sent_columns = true;
    }
    return json({{"type", event_type}, {"object", shown}}).dump() + "\n";
  }
};

std::optional<json> Decode(const ResourceType& type, const store::KeyValue& kv) {
  auto object = DecodeObject(type, kv);
  if (!object.ok()) return std::nullopt;
  return *std::move(object);
}

// The line for one store event, or "" when the selectors hide it. An object
// that stops matching is DELETED for this watcher; one that starts, ADDED.
std::string EventLine(WatchState& state, const store::Event& event) {
  std::optional<json> prev;
  if (event.prev_kv) prev = Decode(*state.type, *event.prev_kv);
  bool prev_matches = prev && state.Matches(*prev);
  if (event.type == store::EventType::kDelete) {
    if (!prev || !prev_matches) return "";
    (*prev)["metadata"]["resourceVersion"] = absl::StrCat(event.kv.mod_revision);
    return state.Line("DELETED", *prev);
  }
  std::optional<json> object = Decode(*state.type, event.kv);
  if (!object) return "";
  if (state.Matches(*object)) return state.Line(prev_matches ? "MODIFIED" : "ADDED", *object);
  return prev_matches ? state.Line("DELETED", *object) : "";
}

std::string BookmarkLine(WatchState& state, int64_t revision) {
  json object = {{"kind", state.type->kind},
                 {"apiVersion", state.type->ApiVersion()},
                 {"metadata", {{"resourceVersion", absl::StrCat(revision)}}}};
  return json({{"type", "BOOKMARK"}, {"object", object}}).dump() + "\n";
}

}  // namespace

std::shared_ptr<const WatchLines::Line> WatchLines::Get(const ResourceType* type,
                                                        const store::Event& event,
                                                        const std::function<std::string()>& make) {
  std::shared_ptr<Line> line;
  {
    absl::MutexLock lock(&mu_);
    Key key{type, event.kv.key, event.kv.mod_revision};
    auto [it, added] = lines_.try_emplace(key);
    if (added) {
      it->second = std::make_shared<Line>();
      order_.push_back(std::move(key));
      if (order_.size() > kKept) {
        lines_.erase(order_.front());
        order_.pop_front();
      }
    }
    line = it->second;
  }
  absl::MutexLock lock(&line->mu);
  if (!line->made) {
    line->text = make();
    line->made = true;
  }
  return line;
}

HttpResponse ServeWatch(store::Store* store, const ResourcePath& path, const HttpRequest& request,
                        const WatchConfig& config, std::function<absl::Time()> clock) {
  auto labels = Selector::ParseLabels(request.Query("labelSelector"));
  if (!labels.ok()) return StatusResponse(labels.status());
  auto fields = Selector::ParseFields(request.Query("fieldSelector"), path.type->field_selectors);
  if (!fields.ok()) return StatusResponse(fields.status());
  auto state = std::make_shared<WatchState>(
      WatchState{.type = path.type,
                 .labels = *labels,
                 .fields = *fields,
                 .format = NegotiateOutput(request.accept),
                 .include_object = request.Query("includeObject", "Metadata"),
                 .bookmarks = request.Query("allowWatchBookmarks") == "true",
                 .clock = clock});
  if (!path.name.empty()) {
    auto by_name = Selector::ParseFields("metadata.name=" + path.name);
    state->fields = *by_name;
  }
  std::string rv = request.Query("resourceVersion");
  int64_t after = 0;
  std::vector<std::string> initial;
  std::string prefix = path.type->ListPrefix(path.ns);
  if (rv.empty() || rv == "0") {
    auto list = store->List({.prefix = prefix});
    if (!list.ok()) return StatusResponse(list.status());
    after = list->revision;
    for (const store::KeyValue& kv : list->kvs)
      if (auto o = Decode(*path.type, kv); o && state->Matches(*o))
        initial.push_back(state->Line("ADDED", *o));
  } else if (!absl::SimpleAtoi(rv, &after) || after < 0) {
    return StatusResponse(BadRequestError(absl::StrCat("invalid resourceVersion \"", rv, "\"")));
  }
  auto stream = store->Watch({.prefix = prefix, .after_revision = after});
  std::optional<store::WatchResponse> first;
  if (stream.ok()) {
    // Some stores report compaction on the first Next(); ask now so the
    // client gets a plain 410 rather than a stream that ends at once.
    auto r = (*stream)->Next(absl::ZeroDuration());
    if (r.ok())
      first = *std::move(r);
    else if (store::IsCompacted(r.status()))
      stream = r.status();
  }
  if (!stream.ok()) {
    if (store::IsCompacted(stream.status()))
      return StatusResponse(
          GoneError(absl::StrCat("too old resource version: ", after, " (",
                                 store::CompactedRevision(stream.status()), ")")));
    return StatusResponse(stream.status());
  }
  int64_t timeout_seconds = 0;
  absl::Duration timeout = config.default_timeout;
  if (absl::SimpleAtoi(request.Query("timeoutSeconds"), &timeout_seconds) && timeout_seconds > 0)
    timeout = absl::Seconds(timeout_seconds);
  std::shared_ptr<store::WatchStream> watch = std::move(*stream);
  HttpResponse response;
  response.stream = [state, watch, initial = std::move(initial), first, timeout, config,
                     clock](ChunkWriter& out) mutable {
    for (const std::string& line : initial)
      if (!out.Write(line)) return;
    absl::Time deadline = clock() + timeout;
    absl::Time last_bookmark = clock();
    // Without selectors or Tables a line depends on the event alone.
    const bool shared = config.shared_lines != nullptr && !state->format.table &&
                        state->labels.empty() && state->fields.empty();
    auto deliver = [&](const store::WatchResponse& r) {
      for (const store::Event& e : r.events) {
        if (shared) {
          std::shared_ptr<const WatchLines::Line> line =
              config.shared_lines->Get(state->type, e, [&] { return EventLine(*state, e); });
          if (!line->text.empty() && !out.Write(line->text)) return false;
          continue;
        }
        std::string line = EventLine(*state, e);
        if (!line.empty() && !out.Write(line)) return false;
      }
      if (state->bookmarks && r.events.empty() &&
          clock() - last_bookmark >= config.bookmark_interval) {
        last_bookmark = clock();
        return out.Write(BookmarkLine(*state, r.revision));
      }
      return true;
    };
    if (first && !deliver(*first)) return;
    while (clock() < deadline && !out.PeerClosed()) {
      auto r = watch->Next(config.poll);
      if (!r.ok()) {
        absl::Status error =
            store::IsCompacted(r.status()) ? GoneError("too old resource version") : r.status();
        out.Write(json({{"type", "ERROR"}, {"object", StatusBody(error)}}).dump() + "\n");
        return;
      }
      if (!deliver(*r)) return;
    }
  };
  return response;
}

}  // namespace sluice::apiserver
