// Text of multi-row statements: one prepared statement writes many rows in one round trip.
#ifndef QMS_COMMON_DB_MULTI_ROW_H_
#define QMS_COMMON_DB_MULTI_ROW_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace qms::db {

// "(?, ?, ?)" for `columns` placeholders: one row of a multi-row statement.
inline std::string Placeholders(int columns) {
  std::string group = "(?";
  for (int i = 1; i < columns; ++i) group += ", ?";
  group += ")";
  return group;
}

// `head` ("INSERT INTO t (a, b, c) VALUES "), then `rows` copies of `group` ("(?, ?, 1)"), then
// `tail` (" ON DUPLICATE KEY UPDATE ..."). Each row count is its own prepared statement, so
// callers keep counts few (a batch bounded in size, or chunks of fixed sizes).
inline std::string MultiRow(absl::string_view head, absl::string_view group, size_t rows,
                            absl::string_view tail = "") {
  std::string sql(head);
  for (size_t r = 0; r < rows; ++r) absl::StrAppend(&sql, r == 0 ? "" : ", ", group);
  absl::StrAppend(&sql, tail);
  return sql;
}

// The same with `columns` placeholders a row.
inline std::string MultiRow(absl::string_view head, int columns, size_t rows) {
  return MultiRow(head, Placeholders(columns), rows);
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_MULTI_ROW_H_
