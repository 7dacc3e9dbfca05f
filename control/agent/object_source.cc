#include "control/agent/object_source.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace sluice::agent {

absl::StatusOr<std::optional<k8s::Objects>> FileObjectSource::Poll() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path_, ": cannot read"));
  std::ostringstream text;
  text << in.rdbuf();
  std::string contents = text.str();
  // Compare contents, not mtimes: editors and `kubectl get > file` may write
  // within one timestamp tick.
  if (last_ && *last_ == contents) return std::optional<k8s::Objects>();
  last_ = contents;
  auto objects = k8s::LoadObjectsText(contents, path_);
  if (!objects.ok()) return objects.status();
  return std::optional<k8s::Objects>(*std::move(objects));
}

}  // namespace sluice::agent
