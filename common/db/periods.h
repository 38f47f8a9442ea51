// Plant-local periods (months, quarters, years) as the buckets of an aggregate query. The labels
// and bounds are computed here, in the plant's zone; the query sorts each row into its period
// with one CASE over the bounds, so the database aggregates without time zone tables and sends
// one row per period and group instead of every record.
#ifndef QMS_COMMON_DB_PERIODS_H_
#define QMS_COMMON_DB_PERIODS_H_

#include <cppconn/prepared_statement.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace qms::db {

enum class PeriodKind { kMonth, kQuarter, kYear };

struct Periods {
  std::vector<std::string> labels;  // "2026-03", "2026-Q1", "2026"
  // labels.size() + 1 bounds: where each period starts (the first at `from`), then `to`.
  std::vector<absl::Time> bounds;
};

// The periods of `zone` that [from, to) touches, cut to [from, to). Empty when from >= to.
Periods PlantPeriods(absl::Time from, absl::Time to, absl::TimeZone zone, PeriodKind kind);

// "CASE WHEN column < ? THEN 0 WHEN column < ? THEN 1 ... ELSE n-1 END": the index in `periods`
// of a row already known (by the query's WHERE) to lie in [bounds.front(), bounds.back()).
std::string PeriodIndexSql(const std::string& column, const Periods& periods);
// Binds the CASE's placeholders from `index` on; returns the index after them.
int BindPeriodIndex(sql::PreparedStatement& statement, int index, const Periods& periods);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_PERIODS_H_
