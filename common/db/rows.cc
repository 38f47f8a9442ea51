#include "common/db/rows.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/db/sql_time.h"

namespace qms::db {

Rows::Rows(sql::ResultSet* result) : result_(result) {
  sql::ResultSetMetaData* meta = result_->getMetaData();
  const unsigned count = meta->getColumnCount();
  for (unsigned i = 1; i <= count; ++i) index_.emplace(std::string(meta->getColumnLabel(i)), i);
}

Rows::~Rows() = default;

bool Rows::Next() { return result_->next(); }

unsigned Rows::Index(absl::string_view column) {
  auto it = index_.find(column);
  if (it != index_.end()) return it->second;
  if (status_.ok()) status_ = absl::InternalError(absl::StrCat("the query has no column ", column));
  return 0;
}

int64_t Rows::Int64(absl::string_view column) {
  const unsigned i = Index(column);
  return i == 0 ? 0 : result_->getInt64(i);
}

int Rows::Int(absl::string_view column) {
  const unsigned i = Index(column);
  return i == 0 ? 0 : result_->getInt(i);
}

bool Rows::Bool(absl::string_view column) {
  const unsigned i = Index(column);
  return i != 0 && result_->getBoolean(i);
}

std::string Rows::String(absl::string_view column) {
  const unsigned i = Index(column);
  return i == 0 ? std::string() : std::string(result_->getString(i));
}

std::vector<std::string> Rows::List(absl::string_view column) {
  return absl::StrSplit(String(column), ',', absl::SkipEmpty());
}

bool Rows::IsNull(absl::string_view column) {
  const unsigned i = Index(column);
  return i == 0 || result_->isNull(i);
}

std::optional<absl::Time> Rows::OptionalTime(absl::string_view column) {
  const unsigned i = Index(column);
  if (i == 0 || result_->isNull(i)) return std::nullopt;
  absl::StatusOr<absl::Time> t = FromSqlDateTime(std::string(result_->getString(i)));
  if (!t.ok()) {
    if (status_.ok()) {
      status_ = absl::InternalError(absl::StrCat("column ", column, ": ", t.status().message()));
    }
    return std::nullopt;
  }
  return *t;
}

absl::Time Rows::Time(absl::string_view column) {
  const unsigned i = Index(column);
  if (i != 0 && result_->isNull(i) && status_.ok()) {
    status_ = absl::InternalError(absl::StrCat("column ", column, " is NULL"));
  }
  return OptionalTime(column).value_or(absl::UnixEpoch());
}

absl::StatusOr<absl::Time> Now(Connection& connection) {
  Rows rows(connection.Prepare("SELECT NOW(6) AS now").executeQuery());
  if (!rows.Next()) return absl::InternalError("SELECT NOW(6) returned no row");
  const absl::Time now = rows.Time("now");
  if (!rows.status().ok()) return rows.status();
  return now;
}

void BindOptionalTime(sql::PreparedStatement& statement, int index, std::optional<absl::Time> t) {
  if (t) {
    statement.setString(index, ToSqlDateTime(*t));
  } else {
    statement.setNull(index, 0);
  }
}

}  // namespace qms::db
