// Forward-only schema migrations, applied in version order and recorded in `schema_migrations`
// with a SHA-256 checksum of each file.
//
// A service embeds its services/<name>/migrations/NNNN_name.sql files at build time
// (qms_migrations() in CMake), so a binary carries its schema. Replicas starting together are
// serialised by a row lock, so each migration runs once. A file that was applied and has since
// changed is refused (FAILED_PRECONDITION): the schema no longer matches its history, and that is
// for a person to sort out, never something to skip silently.
//
// MySQL and MariaDB commit DDL implicitly, so a migration that fails halfway is not rolled back.
// Write migrations so that running one again after a partial failure is safe
// (CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS on MariaDB, ...).
#ifndef QMS_COMMON_DB_MIGRATOR_H_
#define QMS_COMMON_DB_MIGRATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"

namespace qms::db {

struct Migration {
  int version;       // NNNN of the file name; unique, applied in increasing order
  std::string name;  // the file name, e.g. "0001_complaints.sql"
  std::string sql;   // statements separated by ';'
};

struct MigrationReport {
  std::vector<int> applied;  // versions applied by this call, in order
  int current_version = 0;   // the highest version recorded after this call
};

// Applies every migration not yet recorded. FAILED_PRECONDITION when an applied file changed or
// the database holds a version this binary does not know (a newer binary migrated it: running
// older code against it is refused); INVALID_ARGUMENT when versions repeat.
absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool,
                                        const std::vector<Migration>& migrations);

// Splits a migration file into statements: ';' ends a statement outside quotes and comments;
// "-- " and "#" line comments and /* */ comments are dropped.
std::vector<std::string> SplitStatements(const std::string& sql);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_MIGRATOR_H_
