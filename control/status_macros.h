// Early-return helpers for absl::Status and absl::StatusOr, in the style of
// Abseil's internal RETURN_IF_ERROR / ASSIGN_OR_RETURN, which Debian's Abseil
// does not export.
#ifndef SLUICE_CONTROL_STATUS_MACROS_H_
#define SLUICE_CONTROL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SLUICE_STATUS_CONCAT_INNER_(a, b) a##b
#define SLUICE_STATUS_CONCAT_(a, b) SLUICE_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define SLUICE_RETURN_IF_ERROR(expr)                                                       \
  do {                                                                                     \
    if (absl::Status sluice_status_ = (expr); !sluice_status_.ok()) return sluice_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>), returns its status unless OK, and
// otherwise moves its value into `lhs` (a declaration or an lvalue).
#define SLUICE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL_(SLUICE_STATUS_CONCAT_(sluice_statusor_, __LINE__), lhs, rexpr)

#define SLUICE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // SLUICE_CONTROL_STATUS_MACROS_H_
