// Text of multi-row statements: one prepared statement writes many rows in one round trip.
#ifndef QMS_COMMON_DB_MULTI_ROW_H_
#define QMS_COMMON_DB_MULTI_ROW_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace qms::db {

// `head` ("INSERT INTO t (a, b) VALUES ") followed by `rows` groups of `columns` placeholders:
// "(?, ?), (?, ?)". Each row count is its own prepared statement, so callers keep counts few.
inline std::string MultiRow(absl::string_view head, int columns, size_t rows) {
  std::string group = "(?";
  for (int i = 1; i < columns; ++i) group += ", ?";
  group += ")";
  std::string sql(head);
  for (size_t r = 0; r < rows; ++r) absl::StrAppend(&sql, r == 0 ? "" : ", ", group);
  return sql;
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_MULTI_ROW_H_
