#include "common/db/periods.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/db/sql_time.h"

namespace qms::db {
namespace {

// The first month of the period `month` is in.
absl::CivilMonth PeriodStart(absl::CivilMonth month, PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kMonth:
      return month;
    case PeriodKind::kQuarter:
      return absl::CivilMonth(month.year(), (month.month() - 1) / 3 * 3 + 1);
    case PeriodKind::kYear:
      return absl::CivilMonth(month.year(), 1);
  }
  return month;
}

std::string Label(absl::CivilMonth start, PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kMonth:
      return absl::StrFormat("%04d-%02d", start.year(), start.month());
    case PeriodKind::kQuarter:
      return absl::StrFormat("%04d-Q%d", start.year(), (start.month() - 1) / 3 + 1);
    case PeriodKind::kYear:
      return absl::StrFormat("%04d", start.year());
  }
  return "";
}

int Months(PeriodKind kind) {
  return kind == PeriodKind::kMonth ? 1 : kind == PeriodKind::kQuarter ? 3 : 12;
}

}  // namespace

Periods PlantPeriods(absl::Time from, absl::Time to, absl::TimeZone zone, PeriodKind kind) {
  Periods out;
  if (from >= to) return out;
  absl::CivilMonth start = PeriodStart(absl::ToCivilMonth(from, zone), kind);
  out.bounds.push_back(from);
  while (true) {
    out.labels.push_back(Label(start, kind));
    start += Months(kind);
    const absl::Time next = absl::FromCivil(start, zone);
    if (next >= to) break;
    out.bounds.push_back(next);
  }
  out.bounds.push_back(to);
  return out;
}

std::string PeriodIndexSql(const std::string& column, const Periods& periods) {
  if (periods.labels.size() <= 1) return "0";
  std::string sql = "CASE";
  for (size_t i = 0; i + 1 < periods.labels.size(); ++i) {
    absl::StrAppend(&sql, " WHEN ", column, " < ? THEN ", i);
  }
  absl::StrAppend(&sql, " ELSE ", periods.labels.size() - 1, " END");
  return sql;
}

int BindPeriodIndex(sql::PreparedStatement& statement, int index, const Periods& periods) {
  for (size_t i = 0; i + 1 < periods.labels.size(); ++i) {
    statement.setString(index++, ToSqlDateTime(periods.bounds[i + 1]));
  }
  return index;
}

}  // namespace qms::db
