#include "control/controllers/store_controller.h"

#include <iostream>
#include <memory>

#include "control/status_macros.h"

namespace sluice::controllers {

namespace {
// Back-off after a failed reconcile or resync, and the longest a loop sleeps
// without news.
constexpr absl::Duration kRetry = absl::Milliseconds(500);
}  // namespace

StoreController::StoreController(store::Store* store, std::string name,
                                 std::vector<std::string> prefixes)
    : store_(store), name_(std::move(name)), prefixes_(std::move(prefixes)) {}

StoreController::~StoreController() {
  Stop();
}

void StoreController::Start() {
  thread_ = std::thread([this] { Run(); });
}

void StoreController::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void StoreController::Run() {
  for (;;) {
    absl::Status status = RunWatches();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (!status.ok()) std::cerr << name_ << ": " << status << "; resyncing" << std::endl;
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetry);
    if (stopping_) return;
  }
}

absl::Status StoreController::RunWatches() {
  SLUICE_ASSIGN_OR_RETURN(int64_t revision, store_->CurrentRevision());
  std::vector<store::WatchStreamPtr> streams;
  for (const std::string& prefix : prefixes_) {
    SLUICE_ASSIGN_OR_RETURN(
        store::WatchStreamPtr stream,
        store_->Watch({.prefix = prefix, .after_revision = revision, .on_ready = [this] {
                         absl::MutexLock lock(&mu_);
                         ready_ = true;
                       }}));
    streams.push_back(std::move(stream));
  }
  // Everything at `revision` or later is read by Resync; the watches deliver
  // what follows, so nothing falls between the two.
  SLUICE_RETURN_IF_ERROR(Resync());
  for (;;) {
    absl::Status flushed = Flush();
    if (!flushed.ok()) std::cerr << name_ << ": " << flushed << "; retrying" << std::endl;
    bool retry = !flushed.ok();
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &StoreController::Woken),
                           retry ? kRetry : absl::Seconds(5));
      if (stopping_) return absl::OkStatus();
      ready_ = false;
    }
    for (store::WatchStreamPtr& stream : streams) {
      for (;;) {
        SLUICE_ASSIGN_OR_RETURN(store::WatchResponse response, stream->Next(absl::ZeroDuration()));
        if (response.events.empty()) break;
        for (const store::Event& event : response.events) Observe(event);
      }
    }
  }
}

std::pair<std::string, std::string> NamespaceAndName(const std::string& key) {
  size_t last = key.rfind('/');
  if (last == std::string::npos || last == 0) return {"", ""};
  size_t before = key.rfind('/', last - 1);
  if (before == std::string::npos) return {"", ""};
  return {key.substr(before + 1, last - before - 1), key.substr(last + 1)};
}

}  // namespace sluice::controllers
