// Label selectors (equality- and set-based) and the field selectors every
// resource supports (metadata.name, metadata.namespace), as list and watch
// take them in ?labelSelector= and ?fieldSelector=.
#ifndef SLUICE_CONTROL_APISERVER_SELECTOR_H_
#define SLUICE_CONTROL_APISERVER_SELECTOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

class Selector {
 public:
  // "app=web,tier!=db,env in (a,b),zone notin (x),gpu,!legacy". Empty matches all.
  static absl::StatusOr<Selector> ParseLabels(absl::string_view text);
  // "metadata.name=x,metadata.namespace!=y", and the type's own `fields`
  // ("spec.nodeName" of Pods); others are BadRequest.
  static absl::StatusOr<Selector> ParseFields(absl::string_view text,
                                              const std::vector<std::string>& fields = {});

  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return requirements_.empty(); }

 private:
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  // Labels read metadata.labels[key]; fields read the field path.
  bool fields_ = false;
  std::vector<Requirement> requirements_;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_SELECTOR_H_
