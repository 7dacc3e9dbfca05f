// Kubernetes' garbage collector over the store: deletes the objects whose
// owners (metadata.ownerReferences, matched by uid) are all gone, and
// finishes the deletions that wait for it:
//  - an owner deleted with propagationPolicy Orphan carries the `orphan`
//    finalizer: its references are removed from its dependents, then the
//    finalizer, so the owner goes and the dependents stay;
//  - an owner deleted with Foreground carries `foregroundDeletion`: its
//    dependents are deleted, and the finalizer is removed once none with
//    blockOwnerDeletion is left.
// A dependent with another owner that still exists keeps living, without its
// references to the owners that are gone or being deleted in the foreground.
// References to kinds this server does not serve (or a cluster-scoped
// object's reference to a namespaced kind) can never be resolved, and the
// object is left alone rather than deleted on a guess.
//
// Like Kubernetes' graph builder, the collector keeps an index of who
// depends on which uid, built from one list of every served type and kept up
// to date by one watch on /registry/; the objects themselves are read from
// the store when acted on. Writes go through the API server's handler, so
// deletions honour finalizers and preconditions and updates are
// compare-and-set on the resourceVersion read.
#ifndef SLUICE_CONTROL_CONTROLLERS_GARBAGE_COLLECTOR_H_
#define SLUICE_CONTROL_CONTROLLERS_GARBAGE_COLLECTOR_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "control/apiserver/resource_handler.h"
#include "control/controllers/store_controller.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

class GarbageCollector : public StoreController {
 public:
  // `handler` and `registry` outlive the collector.
  GarbageCollector(store::Store* store, apiserver::ResourceHandler* handler,
                   const apiserver::ResourceRegistry* registry);
  ~GarbageCollector() override;

 protected:
  absl::Status Resync() override;
  void Observe(const store::Event& event) override;
  absl::Status Flush() override;

 private:
  // One of a dependent's ownerReferences, resolved to where the owner lives.
  struct OwnerRef {
    std::string uid;
    std::string key;      // empty: the kind cannot be resolved
    bool blocks = false;  // blockOwnerDeletion

    friend bool operator==(const OwnerRef&, const OwnerRef&) = default;
  };
  enum class OwnerState { kPresent, kGone, kDeletingDependents };

  // The served type stored under `key` (nullptr for other keys).
  const apiserver::ResourceType* TypeOfKey(const std::string& key) const;
  std::vector<OwnerRef> OwnerRefs(const nlohmann::json& object) const;
  // Replaces what the index knows of `key`; returns its references before.
  std::vector<OwnerRef> Index(const std::string& key, std::vector<OwnerRef> refs);
  absl::StatusOr<OwnerState> StateOf(const OwnerRef& ref);

  // The object at `key` as the store has it now, and where it is served.
  struct Stored {
    apiserver::ResourcePath path;
    nlohmann::json object;
  };
  absl::StatusOr<std::optional<Stored>> Read(const std::string& key);
  // What the object at `key` needs now.
  absl::Status Process(const std::string& key);
  // Deletes `object` when none of its owners is left, or drops its
  // references to the owners that are gone when another one is.
  absl::Status CollectIfOrphaned(const apiserver::ResourcePath& path, nlohmann::json object);
  absl::Status OrphanDependents(const apiserver::ResourcePath& path, nlohmann::json owner);
  absl::Status DeleteDependentsFirst(const apiserver::ResourcePath& path, nlohmann::json owner);
  // Writes `object` without `finalizer` (the handler removes it when that
  // was the last one).
  absl::Status RemoveFinalizer(const apiserver::ResourcePath& path, nlohmann::json object,
                               const char* finalizer);
  // Rereads a dependent and runs CollectIfOrphaned on it.
  absl::Status CollectKey(const std::string& key);

  apiserver::ResourceHandler* handler_;
  const apiserver::ResourceRegistry* registry_;
  // The loop's thread only.
  std::map<std::string, std::vector<OwnerRef>> owners_;      // dependent key -> references
  std::map<std::string, std::set<std::string>> dependents_;  // owner uid -> dependent keys
  std::set<std::string> dirty_;                              // keys to process
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_GARBAGE_COLLECTOR_H_
