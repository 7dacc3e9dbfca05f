#include "control/controllers/event_recorder.h"

#include <iostream>

#include "control/apiserver/object_meta.h"
#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {

using json = nlohmann::json;

EventRecorder::EventRecorder(std::string component, apiserver::ResourceHandler* handler,
                             const apiserver::ResourceRegistry* registry)
    : component_(std::move(component)),
      handler_(handler),
      events_(registry->Find("", "v1", "events")) {}

absl::Status EventRecorder::Warn(const json& object, const std::string& reason,
                                 const std::string& message) {
  const json& meta = object.contains("metadata") ? object["metadata"] : json::object();
  std::string ns = StringField(meta, "namespace"), name = StringField(meta, "name");
  std::cerr << component_ << ": " << ns << "/" << name << ": " << reason << ": " << message
            << std::endl;
  if (events_ == nullptr) return absl::OkStatus();
  std::string now = apiserver::FormatTimestamp(absl::Now());
  // core/v1 Event as client-go's recorder writes it: named after the object.
  json event = {{"metadata", {{"generateName", name + "."}, {"namespace", ns}}},
                {"involvedObject",
                 {{"apiVersion", "v1"},
                  {"kind", object.value("kind", "Service")},
                  {"namespace", ns},
                  {"name", name},
                  {"uid", StringField(meta, "uid")}}},
                {"reason", reason},
                {"message", message},
                {"type", "Warning"},
                {"count", 1},
                {"firstTimestamp", now},
                {"lastTimestamp", now},
                {"source", {{"component", component_}}},
                {"reportingComponent", component_}};
  return handler_->Create({.type = events_, .ns = ns}, std::move(event)).status();
}

}  // namespace sluice::controllers
