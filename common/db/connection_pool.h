// A bounded pool of MySQL/MariaDB connections (Connector/C++ 1.1) shared by a service's threads.
//
// A Connector/C++ connection must never be used by two threads at once, so every use borrows one
// for its duration. Connections that sat idle are validated before they are lent, and connections
// that failed are dropped and reopened on demand, so the pool recovers by itself after the server
// restarts. Every connection runs in UTC, READ COMMITTED, with a strict sql_mode.
#ifndef QMS_COMMON_DB_CONNECTION_POOL_H_
#define QMS_COMMON_DB_CONNECTION_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/monotonic_wait.h"

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace qms::db {

struct DatabaseOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  int pool_size = 8;
  absl::Duration connect_timeout = absl::Seconds(2);
  // Bounds one statement's network wait; a statement that waits on a lock longer than this fails.
  absl::Duration io_timeout = absl::Seconds(30);
  // How long Acquire waits for a connection when all are lent out.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // A connection idle for longer than this is pinged before it is lent.
  absl::Duration validate_after_idle = absl::Seconds(1);
};

// One open connection with its cache of prepared statements.
class Connection {
 public:
  explicit Connection(std::unique_ptr<sql::Connection> connection);
  ~Connection();

  // A server-side prepared statement for `sql`, prepared once per connection and reused.
  // Throws sql::SQLException like the rest of Connector/C++.
  sql::PreparedStatement& Prepare(absl::string_view sql);
  // Runs a statement that takes no parameters, for its effect; rows it returns are dropped.
  // Throws sql::SQLException.
  void Execute(absl::string_view sql);

  sql::Connection& raw() { return *connection_; }

 private:
  friend class ConnectionPool;
  std::unique_ptr<sql::Connection> connection_;
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  absl::Time last_used_;
};

class ConnectionPool;

// A borrowed connection; goes back to the pool when destroyed, unless Discard() was called.
class Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  Connection& operator*() { return *connection_; }
  Connection* operator->() { return connection_.get(); }
  // The connection is broken or in an unknown state: close it instead of lending it again.
  void Discard();

 private:
  friend class ConnectionPool;
  Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection);
  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
  bool discard_ = false;
};

class ConnectionPool {
 public:
  explicit ConnectionPool(DatabaseOptions options);
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Lends a connection, opening one if fewer than pool_size are open. UNAVAILABLE when the server
  // cannot be reached, or when every connection stays lent for acquire_timeout (the database is
  // saturated: retry later).
  absl::StatusOr<Lease> Acquire();

  // One round trip on a pooled connection: OK when the database answers, else UNAVAILABLE.
  absl::Status Ping();

  const DatabaseOptions& options() const { return options_; }

 private:
  friend class Lease;
  absl::StatusOr<std::unique_ptr<Connection>> Open();
  void Release(std::unique_ptr<Connection> connection, bool discard);
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DatabaseOptions options_;
  absl::Mutex mu_;
  MonotonicCondVar room_;  // a connection went idle or its slot came free
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // lent + idle + being opened
};

}  // namespace qms::db

#endif  // QMS_COMMON_DB_CONNECTION_POOL_H_
