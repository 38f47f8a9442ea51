#include "common/db/transaction.h"

#include <cppconn/exception.h>

#include <exception>
#include <random>

#include "absl/time/clock.h"
#include "common/db/sql_error.h"
#include "common/logging.h"

namespace qms::db {
namespace {

// INTERNAL for an exception that is not a SQL error; what it says goes to the log only.
absl::Status Unexpected(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    spdlog::error("database use case threw {}: its connection was discarded", e.what());
  } catch (...) {
    spdlog::error("database use case threw a non-exception: its connection was discarded");
  }
  return absl::InternalError("internal error");
}

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
  } catch (...) {
    // Not the database's: a bug in the use case (a JSON dump, out_of_range, bad_alloc). Its
    // connection goes, transaction and all (closing it rolls back), rather than back to the
    // pool, where the next START TRANSACTION would commit the half-done work implicitly.
    lease->Discard();
    return Unexpected(std::current_exception());
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
  } catch (...) {
    lease->Discard();  // it may hold a half-read result
    return Unexpected(std::current_exception());
  }
}

}  // namespace qms::db
