// How a return is a row: its columns, read by name, and its history rows. Shared by the store's
// files (return_store.cc, return_create.cc).
#ifndef QMS_SERVICES_RETURNS_RETURN_ROWS_H_
#define QMS_SERVICES_RETURNS_RETURN_ROWS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/db/rows.h"
#include "services/returns/return.h"

namespace qms::returns {

// The columns every read selects.
extern const char kReturnColumns[];

struct Row {
  int64_t id = 0;
  Return record;
  std::string fingerprint;
};

// The current row of a query selecting kReturnColumns.
absl::StatusOr<Row> ReadRow(db::Rows& rows);

// Appends a history row of the return with row id `id`. Throws sql::SQLException.
void InsertHistory(db::Connection& c, int64_t id, const std::string& action,
                   const std::string& actor, std::optional<ReturnState> from, ReturnState to,
                   absl::Time now, const std::string& details);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RETURN_ROWS_H_
