// Times in the database are DATETIME(6) in UTC (every pooled connection runs with time_zone
// '+00:00'); these convert them to and from absl::Time.
#ifndef QMS_COMMON_DB_SQL_TIME_H_
#define QMS_COMMON_DB_SQL_TIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms::db {

// "2026-11-24 08:30:00.123456"
std::string ToSqlDateTime(absl::Time t);
// Parses what MariaDB/MySQL return for DATETIME(6) (fraction optional). INTERNAL on garbage.
absl::StatusOr<absl::Time> FromSqlDateTime(absl::string_view text);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_SQL_TIME_H_
