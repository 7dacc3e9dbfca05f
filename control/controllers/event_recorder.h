// Warning Events about a Service, written through the API server's handler
// when the registry serves core/v1 events; until then (and always) the
// reason goes to the log, so a controller can report without knowing which.
#ifndef SLUICE_CONTROL_CONTROLLERS_EVENT_RECORDER_H_
#define SLUICE_CONTROL_CONTROLLERS_EVENT_RECORDER_H_

#include <string>

#include "absl/status/status.h"
#include "control/apiserver/resource_handler.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

class EventRecorder {
 public:
  // `component`: the Event's source ("lb-ipam-controller"). `handler` and
  // `registry` outlive the recorder.
  EventRecorder(std::string component, apiserver::ResourceHandler* handler,
                const apiserver::ResourceRegistry* registry);

  // Logs "<component>: <ns>/<name>: <reason>: <message>" and, when events are
  // served, creates a Warning Event on `object` (a stored Service).
  absl::Status Warn(const nlohmann::json& object, const std::string& reason,
                    const std::string& message);

 private:
  std::string component_;
  apiserver::ResourceHandler* handler_;
  const apiserver::ResourceType* events_;  // null while events are not served
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_EVENT_RECORDER_H_
