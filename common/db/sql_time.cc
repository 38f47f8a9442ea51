#include "common/db/sql_time.h"

#include "absl/strings/str_cat.h"

namespace qms::db {

std::string ToSqlDateTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> FromSqlDateTime(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &t, &error)) {
    return absl::InternalError(absl::StrCat("database returned a bad DATETIME '", text, "'"));
  }
  return t;
}

}  // namespace qms::db
