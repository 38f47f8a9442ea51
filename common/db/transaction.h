// Running a use case against the database: one borrowed connection, one transaction, retries.
#ifndef QMS_COMMON_DB_TRANSACTION_H_
#define QMS_COMMON_DB_TRANSACTION_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/db/connection_pool.h"

namespace qms::db {

struct RetryPolicy {
  int max_attempts = 5;
  absl::Duration first_backoff = absl::Milliseconds(5);
};

// Runs `body` inside one transaction and commits it if `body` returns OK; any other status, or
// a thrown sql::SQLException, rolls it back. Any other exception from `body` discards the
// connection (and with it the open transaction) and comes back as INTERNAL, logged. Deadlocks and
// lock-wait timeouts are retried with jittered exponential backoff, so `body` must be safe to run
// again (it sees a fresh transaction each time). A connection lost before COMMIT answered returns
// UNAVAILABLE and is not retried: whether the commit happened is unknown.
absl::Status RunInTransaction(ConnectionPool& pool,
                              absl::FunctionRef<absl::Status(Connection&)> body,
                              RetryPolicy retry = {});

// Runs `body` on a borrowed connection in autocommit mode (for reads and single statements),
// mapping a thrown sql::SQLException to a status (any other exception: INTERNAL, the connection
// discarded). Not retried.
absl::Status RunOnConnection(ConnectionPool& pool,
                             absl::FunctionRef<absl::Status(Connection&)> body);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_TRANSACTION_H_
