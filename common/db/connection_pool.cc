#include "common/db/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/db/sql_error.h"

namespace qms::db {
namespace {

sql::mysql::MySQL_Driver* Driver() {
  // The driver's first lookup is not thread-safe; a function-local static serialises it.
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

int Seconds(absl::Duration d) { return std::max(1, static_cast<int>(absl::ToInt64Seconds(d))); }

}  // namespace

Connection::Connection(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)), last_used_(absl::Now()) {}

Connection::~Connection() {
  statements_.clear();  // statements before the connection they belong to
  try {
    connection_->close();
  } catch (const sql::SQLException&) {
    // Closing a connection the server already dropped: nothing to do.
  }
}

sql::PreparedStatement& Connection::Prepare(absl::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(sql::SQLString(sql.data(), sql.size())));
    it = statements_.emplace(std::string(sql), std::move(statement)).first;
  }
  return *it->second;
}

void Connection::Execute(absl::string_view sql) {
  std::unique_ptr<sql::Statement> statement(connection_->createStatement());
  if (statement->execute(sql::SQLString(sql.data(), sql.size()))) {
    // A statement run for its effect (SELECT ... FOR UPDATE) still returns rows; drain them, or
    // the connection is out of sync for the next command.
    std::unique_ptr<sql::ResultSet> rows(statement->getResultSet());
  }
}

Lease::Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), discard_(other.discard_) {}

Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_), discard_);
}

void Lease::Discard() { discard_ = true; }

ConnectionPool::ConnectionPool(DatabaseOptions options) : options_(std::move(options)) {}

ConnectionPool::~ConnectionPool() = default;

bool ConnectionPool::HasRoom() const { return !idle_.empty() || open_ < options_.pool_size; }

absl::StatusOr<Lease> ConnectionPool::Acquire() {
  std::unique_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    if (!room_.WaitFor(mu_, options_.acquire_timeout,
                       [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return HasRoom(); })) {
      // UNAVAILABLE, not DEADLINE_EXCEEDED: the caller's deadline did not pass, the database is
      // saturated, and a client may retry later (gRPC's conventions for both codes).
      return absl::UnavailableError("database: every pooled connection is busy");
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  if (connection && absl::Now() - connection->last_used_ > options_.validate_after_idle) {
    bool valid = false;
    try {
      valid = connection->raw().isValid();
    } catch (const sql::SQLException&) {
    }
    if (!valid) {
      connection.reset();  // reopen below in its place
    }
  }
  if (!connection) {
    auto opened = Open();
    if (!opened.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      room_.NotifyAll();
      return opened.status();
    }
    connection = std::move(*opened);
  }
  return Lease(this, std::move(connection));
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Open() {
  sql::ConnectOptionsMap props;
  props["hostName"] = sql::SQLString(absl::StrCat("tcp://", options_.host, ":", options_.port));
  props["userName"] = sql::SQLString(options_.user);
  props["password"] = sql::SQLString(options_.password);
  if (!options_.database.empty()) props["schema"] = sql::SQLString(options_.database);
  props["OPT_CONNECT_TIMEOUT"] = Seconds(options_.connect_timeout);
  props["OPT_READ_TIMEOUT"] = Seconds(options_.io_timeout);
  props["OPT_WRITE_TIMEOUT"] = Seconds(options_.io_timeout);
  props["OPT_RECONNECT"] = false;  // a silent reconnect would lose session state mid-transaction
  try {
    std::unique_ptr<sql::Connection> raw(Driver()->connect(props));
    auto connection = std::make_unique<Connection>(std::move(raw));
    // Two statements: MySQL 8 and MariaDB spell the isolation variable differently, but both
    // accept this form.
    connection->Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    connection->Execute(
        "SET SESSION time_zone = '+00:00', "
        "SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
        "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
    return connection;
  } catch (const sql::SQLException& e) {
    return ToStatus(e);
  }
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection, bool discard) {
  if (discard) {
    connection.reset();  // close outside the lock
    absl::MutexLock lock(&mu_);
    --open_;
    room_.NotifyAll();
    return;
  }
  connection->last_used_ = absl::Now();
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
  room_.NotifyAll();
}

absl::Status ConnectionPool::Ping() {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  try {
    (*lease)->Execute("DO 1");
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    lease->Discard();
    return ToStatus(e);
  }
}

}  // namespace qms::db
