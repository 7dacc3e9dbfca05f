// The loop every controller here runs on one thread: list what it needs,
// watch the prefixes it cares about from that revision, mark what changed as
// dirty, and reconcile the dirty objects against the store's latest state.
// Level-triggered like Kubernetes' controllers: the store is the cache, a
// failed reconcile stays dirty and is retried, and a watch that fails (the
// store was compacted past it) leads to a full resync.
#ifndef SLUICE_CONTROL_CONTROLLERS_STORE_CONTROLLER_H_
#define SLUICE_CONTROL_CONTROLLERS_STORE_CONTROLLER_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/store/store.h"

namespace sluice::controllers {

class StoreController {
 public:
  StoreController(store::Store* store, std::string name, std::vector<std::string> prefixes);
  virtual ~StoreController();

  void Start();
  // Ends the loop and joins its thread; safe to call twice. Subclasses call
  // it from their destructor, before their members go.
  void Stop();

 protected:
  // Marks everything dirty (at start and after a watch failure).
  virtual absl::Status Resync() = 0;
  // Marks what `event` touches as dirty.
  virtual void Observe(const store::Event& event) = 0;
  // Reconciles what is dirty; returns an error to be called again after a
  // back-off (what failed must stay dirty).
  virtual absl::Status Flush() = 0;

  store::Store* store_;
  const std::string name_;

 private:
  void Run();
  // One list-and-watch period; returns when a watch fails or on Stop.
  absl::Status RunWatches();
  bool Woken() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return ready_ || stopping_; }

  std::vector<std::string> prefixes_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// "/registry/services/ns/name" -> {"ns", "name"}; empty strings when the key
// has fewer parts.
std::pair<std::string, std::string> NamespaceAndName(const std::string& key);

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_STORE_CONTROLLER_H_
