#include "common/db/migrator.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/sql_error.h"
#include "common/db/transaction.h"
#include "common/sha256.h"
#include "spdlog/spdlog.h"

namespace qms::db {
namespace {

constexpr char kCreateHistory[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)sql";

// The lock row that serialises replicas migrating at once on one server (and excludes
// migrators of older versions, which know only it).
constexpr char kCreateLock[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations_lock (
  id INT NOT NULL PRIMARY KEY
) ENGINE=InnoDB)sql";

// The migration lease: one row, written and replicated, so that replicas on different nodes of
// a cluster exclude each other too. On Galera a row lock is the node's own (the cluster test
// found two replicas migrating at once on two nodes); a written row is certified cluster-wide:
// the second insert fails with a duplicate key or a certification conflict, and waits. A holder
// that died leaves a row that expires.
constexpr char kCreateLease[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations_lease (
  id INT NOT NULL PRIMARY KEY,
  holder VARCHAR(96) NOT NULL,
  expires DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)sql";
constexpr int kLeaseSeconds = 120;                       // renewed before each migration
constexpr absl::Duration kLeaseWait = absl::Minutes(5);  // then UNAVAILABLE

std::string LeaseHolder() {
  char host[64] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "/", getpid(), "/", absl::ToUnixMicros(absl::Now()));
}

// Takes the lease on `c` (autocommit), waiting while another holder's is current.
absl::Status TakeLease(Connection& c, const std::string& holder) {
  const absl::Time give_up = absl::Now() + kLeaseWait;
  while (true) {
    c.Execute("DELETE FROM schema_migrations_lease WHERE id = 1 AND expires < UTC_TIMESTAMP(6)");
    try {
      auto& take = c.Prepare(
          absl::StrCat("INSERT INTO schema_migrations_lease (id, holder, expires) VALUES (1, ?, "
                       "UTC_TIMESTAMP(6) + INTERVAL ",
                       kLeaseSeconds, " SECOND)"));
      take.setString(1, holder);
      take.executeUpdate();
      return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      // Held (1062), or taken at the same moment on another node (1213: certification).
      if (e.getErrorCode() != 1062 && e.getErrorCode() != 1213) throw;
    }
    if (absl::Now() > give_up) {
      return absl::UnavailableError(
          "another replica has held the migration lease for five minutes; if none is running, "
          "the lease expires by itself");
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

void RenewLease(Connection& c, const std::string& holder) {
  auto& renew = c.Prepare(
      absl::StrCat("UPDATE schema_migrations_lease SET expires = UTC_TIMESTAMP(6) + INTERVAL ",
                   kLeaseSeconds, " SECOND WHERE id = 1 AND holder = ?"));
  renew.setString(1, holder);
  renew.executeUpdate();
}

void ReleaseLease(Connection& c, const std::string& holder) {
  auto& release = c.Prepare("DELETE FROM schema_migrations_lease WHERE id = 1 AND holder = ?");
  release.setString(1, holder);
  release.executeUpdate();
}

}  // namespace

std::vector<std::string> SplitStatements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      current += c;
      if (c == '\\' && i + 1 < sql.size()) {
        current += sql[++i];
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      current += c;
    } else if ((c == '-' && sql.compare(i, 3, "-- ") == 0) || c == '#') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      current += '\n';
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string::npos ? sql.size() : end + 1;
      current += ' ';
    } else if (c == ';') {
      std::string statement(absl::StripAsciiWhitespace(current));
      if (!statement.empty()) out.push_back(std::move(statement));
      current.clear();
    } else {
      current += c;
    }
  }
  std::string last(absl::StripAsciiWhitespace(current));
  if (!last.empty()) out.push_back(std::move(last));
  return out;
}

absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool,
                                        const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  for (const auto& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (size_t i = 1; i < ordered.size(); ++i) {
    if (ordered[i]->version == ordered[i - 1]->version) {
      return absl::InvalidArgumentError(
          absl::StrCat("two migrations have version ", ordered[i]->version));
    }
  }

  // The migrator owns its connection for the whole run: the lock row is held by its transaction
  // while DDL (which commits implicitly in MySQL/MariaDB) runs on a second connection.
  auto lock_lease = pool.Acquire();
  if (!lock_lease.ok()) return lock_lease.status();
  auto work_lease = pool.Acquire();
  if (!work_lease.ok()) return work_lease.status();
  Connection& lock = **lock_lease;
  Connection& work = **work_lease;
  MigrationReport report;
  const std::string holder = LeaseHolder();
  bool leased = false;
  try {
    work.Execute(kCreateHistory);
    work.Execute(kCreateLock);
    work.Execute(kCreateLease);
    work.Execute("INSERT IGNORE INTO schema_migrations_lock (id) VALUES (1)");
    if (absl::Status s = TakeLease(work, holder); !s.ok()) return s;
    leased = true;
    lock.Execute("START TRANSACTION");
    lock.Execute("SELECT id FROM schema_migrations_lock WHERE id = 1 FOR UPDATE");

    std::map<int, std::string> recorded;  // version -> checksum
    {
      std::unique_ptr<sql::ResultSet> rows(
          work.Prepare("SELECT version, checksum FROM schema_migrations").executeQuery());
      while (rows->next()) recorded[rows->getInt(1)] = std::string(rows->getString(2));
    }
    for (const auto& [version, checksum] : recorded) {
      const int wanted = version;  // C++17 lambdas cannot capture a structured binding
      auto known = std::find_if(ordered.begin(), ordered.end(),
                                [&](const Migration* m) { return m->version == wanted; });
      if (known == ordered.end()) {
        lock.Execute("ROLLBACK");
        ReleaseLease(work, holder);
        return absl::FailedPreconditionError(
            absl::StrCat("database has migration ", version,
                         " which this binary does not know; refusing to "
                         "run older code against a newer schema"));
      }
      if (Sha256Hex((*known)->sql) != checksum) {
        lock.Execute("ROLLBACK");
        ReleaseLease(work, holder);
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", (*known)->name, " was applied with checksum ", checksum,
            " but the file has changed since; restore it and add a new migration instead"));
      }
    }
    for (const Migration* m : ordered) {
      if (recorded.count(m->version)) continue;
      spdlog::info("migrate version={} name={}", m->version, m->name);
      RenewLease(work, holder);
      for (const std::string& statement : SplitStatements(m->sql)) work.Execute(statement);
      auto& insert = work.Prepare(
          "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
          "VALUES (?, ?, ?, UTC_TIMESTAMP(6))");
      insert.setInt(1, m->version);
      insert.setString(2, m->name);
      insert.setString(3, Sha256Hex(m->sql));
      insert.executeUpdate();
      report.applied.push_back(m->version);
    }
    lock.Execute("COMMIT");
    ReleaseLease(work, holder);
  } catch (const sql::SQLException& e) {
    if (leased) {
      try {
        ReleaseLease(work, holder);  // else it expires
      } catch (const sql::SQLException&) {
      }
    }
    lock_lease->Discard();
    work_lease->Discard();
    return ToStatus(e);
  }
  report.current_version = ordered.empty() ? 0 : ordered.back()->version;
  return report;
}

}  // namespace qms::db
