// What sluicectl shows, as JSON documents built from a node's maps; the
// table renderer turns the same documents into text for people.
#ifndef SLUICE_TOOLS_SLUICECTL_VIEWS_H_
#define SLUICE_TOOLS_SLUICECTL_VIEWS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "dataplane/bpf/map_reader.h"
#include "nlohmann/json.hpp"

namespace sluice::ctl {

using nlohmann::json;

// Each returns {"columns": [...], "rows": [[...], ...]} plus extras.
absl::StatusOr<json> ServicesView(const MapFds& maps);
absl::StatusOr<json> BackendsView(const MapFds& maps, const std::string& service_filter);
absl::StatusOr<json> MaglevView(const MapFds& maps, const std::string& service);
absl::StatusOr<json> ConntrackView(const MapFds& maps, const std::string& service_filter,
                                   const std::string& address_filter);
json CountersView(const MapFds& maps);
json StatusView(const std::string& pin_dir, const MapFds& maps);

// Renders {"columns", "rows"} as an aligned text table.
std::string RenderTable(const json& view);

}  // namespace sluice::ctl

#endif  // SLUICE_TOOLS_SLUICECTL_VIEWS_H_
