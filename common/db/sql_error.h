// Maps Connector/C++ exceptions to absl::Status, the only error type above the store layer.
#ifndef QMS_COMMON_DB_SQL_ERROR_H_
#define QMS_COMMON_DB_SQL_ERROR_H_

#include "absl/status/status.h"

namespace sql {
class SQLException;
}

namespace qms::db {

// UNAVAILABLE: the server cannot be reached or the connection was lost.
// ABORTED: deadlock or lock-wait timeout (the transaction may be retried).
// ALREADY_EXISTS: a unique key was violated.
// INTERNAL: anything else. The server's text is logged, never returned to a caller.
absl::Status ToStatus(const sql::SQLException& e);

// True when the connection that raised `e` must not be used again.
bool IsConnectionLost(const sql::SQLException& e);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_SQL_ERROR_H_
