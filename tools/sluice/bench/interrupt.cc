#include "tools/sluice/bench/interrupt.h"

#include <signal.h>

#include <atomic>

namespace sluice::bench {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) {
  g_interrupted.store(true);
}

}  // namespace

void CatchInterrupts() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() {
  return g_interrupted.load();
}

absl::Status CheckInterrupted() {
  return Interrupted() ? absl::CancelledError("interrupted") : absl::OkStatus();
}

}  // namespace sluice::bench
