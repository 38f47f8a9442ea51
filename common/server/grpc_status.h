// The one place where absl::Status becomes grpc::Status.
#ifndef QMS_COMMON_SERVER_GRPC_STATUS_H_
#define QMS_COMMON_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace qms::server {

// Same code and message. Field violations (common/field_violations.h) travel as a
// google.rpc.Status with a google.rpc.BadRequest detail in the standard trailer, so clients
// can show which fields are wrong.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_GRPC_STATUS_H_
