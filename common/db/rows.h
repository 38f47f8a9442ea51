// Reading a query's rows by column name, with errors as values: what every store reads its rows
// with.
//
//   db::Rows rows(ps.executeQuery());
//   while (rows.Next()) {
//     Timer t;
//     t.id = rows.Int64("id");
//     t.state = rows.Enum<TimerState>("state");
//     t.start_time = rows.OptionalTime("start_time");
//     out.push_back(std::move(t));
//   }
//   QMS_RETURN_IF_ERROR(rows.status());
//
// A value that does not read (a malformed DATETIME, a NULL where a time must be, a column the
// query does not have) is a defect of our own schema or query, not bad input: it is recorded and
// status() returns the first one (INTERNAL, naming the column); the read returns a zero value.
// Column positions are resolved once per result set from its labels (alias joined columns with
// AS). Driver errors still throw sql::SQLException, which the transaction helpers map.
#ifndef QMS_COMMON_DB_ROWS_H_
#define QMS_COMMON_DB_ROWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"

namespace sql {
class ResultSet;
}  // namespace sql

namespace qms::db {

class Rows {
 public:
  // Takes what executeQuery returned.
  explicit Rows(sql::ResultSet* result);
  ~Rows();
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  // Moves to the next row; false after the last.
  bool Next();

  int64_t Int64(absl::string_view column);
  int Int(absl::string_view column);
  bool Bool(absl::string_view column);
  std::string String(absl::string_view column);
  // A comma-separated list, as the schemas store role and deadline lists.
  std::vector<std::string> List(absl::string_view column);
  bool IsNull(absl::string_view column);
  absl::Time Time(absl::string_view column);
  std::optional<absl::Time> OptionalTime(absl::string_view column);
  template <class E>
  E Enum(absl::string_view column) {
    return static_cast<E>(Int(column));
  }

  // OK, or the first value that did not read.
  const absl::Status& status() const { return status_; }

 private:
  // The 1-based position of `column`, 0 (recorded) when the result has none.
  unsigned Index(absl::string_view column);

  std::unique_ptr<sql::ResultSet> result_;
  absl::flat_hash_map<std::string, unsigned> index_;
  absl::Status status_;
};

// The database's clock, the one every stored time is on.
absl::StatusOr<absl::Time> Now(Connection& connection);

// Binds a time, or NULL when there is none.
void BindOptionalTime(sql::PreparedStatement& statement, int index, std::optional<absl::Time> t);

// Reads the rows of a keyset page into `out`: the query asked for page_size + 1 rows, and `read`
// (absl::StatusOr<T>(Rows&)) reads one. Returns whether a further row exists (then there is a
// next page, after the last row read); the extra row itself is not read.
template <class T, class Read>
absl::StatusOr<bool> ReadPage(Rows& rows, int page_size, Read read, std::vector<T>& out) {
  while (rows.Next()) {
    if (static_cast<int>(out.size()) == page_size) return true;
    absl::StatusOr<T> row = read(rows);
    if (!row.ok()) return row.status();
    out.push_back(*std::move(row));
  }
  if (!rows.status().ok()) return rows.status();
  return false;
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_ROWS_H_
