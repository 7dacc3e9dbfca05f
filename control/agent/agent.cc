#include "control/agent/agent.h"

namespace sluice::agent {

absl::Status Agent::Start() {
  if (auto s = table_.Adopt(); !s.ok()) return s;
  return table_.SetNode(node_config_);
}

absl::StatusOr<bool> Agent::SyncOnce() {
  auto objects = source_->Poll();
  if (!objects.ok()) return objects.status();
  if (!objects->has_value()) return false;
  auto model = BuildServiceModel(**objects, node_info_);
  if (!model.ok()) return model.status();
  if (auto s = table_.Apply(*model); !s.ok()) return s;
  return true;
}

}  // namespace sluice::agent
