// Leader election on a coordination.k8s.io/v1 Lease, as kube-controller-
// manager's (client-go's leaderelection): several `sluice server`s on one
// etcd run the controllers on one of them at a time. The holder renews
// spec.renewTime every retry period; a candidate takes the Lease over once it
// has seen no change to it for leaseDurationSeconds by its own clock (so the
// servers' clocks need not agree). A holder that cannot renew for the renew
// deadline (shorter than the lease duration) stops leading before anyone else
// may start; on a clean stop it gives the Lease up so that another takes
// over at once.
#ifndef SLUICE_CONTROL_CONTROLLERS_LEADER_ELECTION_H_
#define SLUICE_CONTROL_CONTROLLERS_LEADER_ELECTION_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name = "sluice-controller-manager";
  std::string identity;  // holderIdentity: unique per process
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
};

// "HOSTNAME_PID_RANDOM": unique per process, and says which one it is.
std::string DefaultLeaderIdentity();

class LeaderElector {
 public:
  // `on_started` and `on_stopped` run on the elector's thread, in turns.
  LeaderElector(apiserver::ResourceHandler* handler, const apiserver::ResourceRegistry* registry,
                LeaderElectionConfig config, std::function<void()> on_started,
                std::function<void()> on_stopped);
  ~LeaderElector();

  void Start();
  // Stops leading (on_stopped) and gives the Lease up, if held.
  void Stop();
  bool leading() const;

 private:
  enum class Outcome { kHeld, kHeldByOther, kFailed };

  void Run();
  Outcome TryAcquireOrRenew();
  void Release();
  apiserver::ResourcePath LeasePath() const;

  apiserver::ResourceHandler* handler_;
  const apiserver::ResourceRegistry* registry_;
  const LeaderElectionConfig config_;
  std::function<void()> on_started_;
  std::function<void()> on_stopped_;
  // The Lease as last seen and when it was first seen so (local clock).
  std::string observed_version_;
  absl::Time observed_at_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_LEADER_ELECTION_H_
