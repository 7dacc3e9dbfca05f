// Ctrl-C and SIGTERM for `sluice bench`: the handler only raises a flag; the
// run checks it between steps and unwinds, so the topology's destructor
// removes the namespaces as on any other exit.
#ifndef SLUICE_TOOLS_SLUICE_BENCH_INTERRUPT_H_
#define SLUICE_TOOLS_SLUICE_BENCH_INTERRUPT_H_

#include "absl/status/status.h"

namespace sluice::bench {

// Installs the handlers (without SA_RESTART, so waits return early).
void CatchInterrupts();
bool Interrupted();
// Cancelled("interrupted") once a signal came, OK before.
absl::Status CheckInterrupted();

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_SLUICE_BENCH_INTERRUPT_H_
