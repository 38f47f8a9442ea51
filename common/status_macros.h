// Early returns on a non-OK absl::Status, so a use case reads as its steps:
//
//   QMS_ASSIGN_OR_RETURN(const PlantResource r, AllowedResource(caller, "name", name, "returns"));
//   QMS_RETURN_IF_ERROR(CheckEtag(request.etag()));
//
// In a function returning absl::Status or absl::StatusOr<T>.
#ifndef QMS_COMMON_STATUS_MACROS_H_
#define QMS_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QMS_STATUS_CONCAT_INNER_(a, b) a##b
#define QMS_STATUS_CONCAT_(a, b) QMS_STATUS_CONCAT_INNER_(a, b)

// Each expansion names its variable apart (__COUNTER__), so that the macros nest: a transaction
// body's QMS_RETURN_IF_ERROR inside the one around the transaction shadows nothing.
#define QMS_RETURN_IF_ERROR_IMPL_(status, expr)       \
  do {                                                \
    if (absl::Status status = (expr); !status.ok()) { \
      return status;                                  \
    }                                                 \
  } while (false)
#define QMS_RETURN_IF_ERROR(expr) \
  QMS_RETURN_IF_ERROR_IMPL_(QMS_STATUS_CONCAT_(qms_status_, __COUNTER__), expr)
#define QMS_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr)  \
  auto result = (expr);                                \
  if (!result.ok()) return std::move(result).status(); \
  lhs = *std::move(result)
#define QMS_ASSIGN_OR_RETURN(lhs, expr) \
  QMS_ASSIGN_OR_RETURN_IMPL_(QMS_STATUS_CONCAT_(qms_statusor_, __COUNTER__), lhs, expr)

#endif  // QMS_COMMON_STATUS_MACROS_H_
