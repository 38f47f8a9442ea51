#include "common/db/numbering.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/db/rows.h"

namespace qms::db {

absl::StatusOr<int64_t> TakeNumbers(Connection& connection, const std::string& table,
                                    const std::string& plant, int year, int64_t count) {
  if (count < 1) return absl::InvalidArgumentError("take at least one number");
  auto& take = connection.Prepare(
      absl::StrCat("INSERT INTO ", table,
                   " (plant, year, last_sequence) VALUES (?, ?, LAST_INSERT_ID(?)) "
                   "ON DUPLICATE KEY UPDATE last_sequence = LAST_INSERT_ID(last_sequence + ?)"));
  take.setString(1, plant);
  take.setInt(2, year);
  take.setInt64(3, count);
  take.setInt64(4, count);
  take.executeUpdate();
  Rows taken(connection.Prepare("SELECT LAST_INSERT_ID() AS sequence").executeQuery());
  if (!taken.Next()) return absl::InternalError("no sequence taken");
  const int64_t sequence = taken.Int64("sequence");
  if (!taken.status().ok()) return taken.status();
  return sequence;
}

}  // namespace qms::db
