#include "common/db/transaction.h"

#include <cppconn/exception.h>

#include <random>

#include "absl/time/clock.h"
#include "common/db/sql_error.h"

namespace qms::db {
namespace {

// One try. Sets *retryable when running `body` again is safe and may succeed: the database
// aborted the transaction (deadlock, lock-wait timeout), or a pooled connection turned out dead
// before anything was sent on it (the server restarted while it sat idle). An ABORTED that `body`
// returns (a lost etag race) is the caller's answer and is not retried.
absl::Status Attempt(ConnectionPool& pool, absl::FunctionRef<absl::Status(Connection&)> body,
                     bool* retryable) {
  *retryable = false;
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  Connection& connection = **lease;
  bool open = false;
  bool committing = false;
  try {
    connection.Execute("START TRANSACTION");
    open = true;
    absl::Status status = body(connection);
    if (status.ok()) {
      open = false;
      committing = true;  // once COMMIT is sent the outcome is the server's, not ours
      connection.Execute("COMMIT");
      return absl::OkStatus();
    }
    connection.Execute("ROLLBACK");
    return status;
  } catch (const sql::SQLException& e) {
    if (IsConnectionLost(e)) {
      lease->Discard();
      *retryable = !open && !committing;
    } else if (open) {
      try {
        connection.Execute("ROLLBACK");
      } catch (const sql::SQLException&) {
        lease->Discard();
      }
    } else {
      lease->Discard();
    }
    absl::Status status = ToStatus(e);
    if (status.code() == absl::StatusCode::kAborted) *retryable = true;
    return status;
  }
}

}  // namespace

absl::Status RunInTransaction(ConnectionPool& pool,
                              absl::FunctionRef<absl::Status(Connection&)> body,
                              RetryPolicy retry) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  absl::Duration backoff = retry.first_backoff;
  absl::Status status;
  for (int attempt = 1; attempt <= retry.max_attempts; ++attempt) {
    bool retryable = false;
    status = Attempt(pool, body, &retryable);
    if (!retryable || attempt == retry.max_attempts) break;
    std::uniform_real_distribution<double> factor(0.5, 1.5);
    absl::SleepFor(backoff * factor(jitter));
    backoff *= 2;
  }
  return status;
}

absl::Status RunOnConnection(ConnectionPool& pool,
                             absl::FunctionRef<absl::Status(Connection&)> body) {
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    return body(**lease);
  } catch (const sql::SQLException& e) {
    if (IsConnectionLost(e)) lease->Discard();
    return ToStatus(e);
  }
}

}  // namespace qms::db
