#include "control/controllers/leader_election.h"

#include <unistd.h>

#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

// metav1.MicroTime, as Leases carry it.
std::string MicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::random_device random;
  return absl::StrFormat("%s_%d_%08x", host, getpid(), random());
}

LeaderElector::LeaderElector(apiserver::ResourceHandler* handler,
                             const apiserver::ResourceRegistry* registry,
                             LeaderElectionConfig config, std::function<void()> on_started,
                             std::function<void()> on_stopped)
    : handler_(handler),
      registry_(registry),
      config_(std::move(config)),
      on_started_(std::move(on_started)),
      on_stopped_(std::move(on_stopped)) {}

LeaderElector::~LeaderElector() {
  Stop();
}

void LeaderElector::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::leading() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

apiserver::ResourcePath LeaderElector::LeasePath() const {
  return {.type = registry_->Find("coordination.k8s.io", "v1", "leases"),
          .ns = config_.lease_namespace,
          .name = config_.lease_name};
}

void LeaderElector::Run() {
  absl::Time renewed;  // the last successful renewal, while leading
  bool leading = false;
  for (;;) {
    Outcome outcome = TryAcquireOrRenew();
    absl::Time now = absl::Now();
    bool start = false, stop = false;
    if (outcome == Outcome::kHeld) {
      renewed = now;
      start = !leading;
    } else if (leading &&
               (outcome == Outcome::kHeldByOther || now - renewed > config_.renew_deadline)) {
      stop = true;
    }
    if (start) {
      std::cout << "leader election: " << config_.identity << " leads " << config_.lease_namespace
                << "/" << config_.lease_name << std::endl;
      leading = true;
      on_started_();
    }
    if (stop) {
      std::cerr << "leader election: " << config_.identity << " lost " << config_.lease_namespace
                << "/" << config_.lease_name << std::endl;
      leading = false;
      on_stopped_();
    }
    absl::MutexLock lock(&mu_);
    leading_ = leading;
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), config_.retry_period)) break;
  }
  if (leading) {
    on_stopped_();
    Release();
  }
  absl::MutexLock lock(&mu_);
  leading_ = false;
}

LeaderElector::Outcome LeaderElector::TryAcquireOrRenew() {
  const absl::Time now = absl::Now();
  const apiserver::ResourcePath path = LeasePath();
  absl::StatusOr<json> got = handler_->Get(path);
  if (!got.ok() && got.status().code() == absl::StatusCode::kNotFound) {
    json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", config_.identity},
          {"leaseDurationSeconds", absl::ToInt64Seconds(config_.lease_duration)},
          {"acquireTime", MicroTime(now)},
          {"renewTime", MicroTime(now)},
          {"leaseTransitions", 0}}}};
    return handler_->Create(path, lease).ok() ? Outcome::kHeld : Outcome::kFailed;
  }
  if (!got.ok()) return Outcome::kFailed;
  json lease = *std::move(got);
  std::string version = lease["metadata"].value("resourceVersion", "");
  if (version != observed_version_) {
    observed_version_ = version;
    observed_at_ = now;
  }
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  std::string holder = spec.value("holderIdentity", "");
  int64_t duration = spec.value("leaseDurationSeconds", int64_t{0});
  bool mine = holder == config_.identity;
  if (!mine && !holder.empty() && now < observed_at_ + absl::Seconds(duration))
    return Outcome::kHeldByOther;
  if (!mine) {
    spec["holderIdentity"] = config_.identity;
    spec["acquireTime"] = MicroTime(now);
    spec["leaseTransitions"] = spec.value("leaseTransitions", int64_t{0}) + 1;
  }
  spec["leaseDurationSeconds"] = absl::ToInt64Seconds(config_.lease_duration);
  spec["renewTime"] = MicroTime(now);
  // The resourceVersion read makes it a compare-and-set: of two candidates,
  // one wins.
  absl::StatusOr<json> updated = handler_->Update(path, lease);
  if (!updated.ok()) return Outcome::kFailed;
  observed_version_ = (*updated)["metadata"].value("resourceVersion", "");
  observed_at_ = now;
  return Outcome::kHeld;
}

void LeaderElector::Release() {
  const apiserver::ResourcePath path = LeasePath();
  absl::StatusOr<json> lease = handler_->Get(path);
  if (!lease.ok() || !(*lease)["spec"].is_object() ||
      (*lease)["spec"].value("holderIdentity", "") != config_.identity)
    return;
  json& spec = (*lease)["spec"];
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["renewTime"] = MicroTime(absl::Now());
  if (absl::Status s = handler_->Update(path, *lease).status(); !s.ok())
    std::cerr << "leader election: giving up the lease: " << s << std::endl;
}

}  // namespace sluice::controllers
