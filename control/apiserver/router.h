// Maps request paths to discovery documents, health checks and the resource
// handler. Independent of the transport, so tests call Handle() directly.
#ifndef SLUICE_CONTROL_APISERVER_ROUTER_H_
#define SLUICE_CONTROL_APISERVER_ROUTER_H_

#include <optional>
#include <string>

#include "control/apiserver/http_types.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/store/store.h"

namespace sluice::apiserver {

class Router {
 public:
  Router(store::Store* store, const ResourceRegistry* registry,
         std::function<absl::Time()> clock = absl::Now)
      : registry_(registry), resources_(store, registry, std::move(clock)) {}

  HttpResponse Handle(const HttpRequest& request);
  ResourceHandler& resources() { return resources_; }

 private:
  // /api/v1/... and /apis/<group>/<version>/... below the version.
  HttpResponse HandleResourcePath(const std::string& group, const std::string& version,
                                  const std::vector<std::string>& rest, const HttpRequest& request);

  const ResourceRegistry* registry_;
  ResourceHandler resources_;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_ROUTER_H_
