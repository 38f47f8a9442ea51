#include "services/returns/return_rows.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/db/sql_time.h"
#include "common/status_macros.h"
#include "services/returns/record_json.h"

namespace qms::returns {

const char kReturnColumns[] =
    "id, plant, number, customer, complaint, bulk, without_goods, state, record, version, "
    "create_time, update_time, close_time, request_fingerprint";

absl::StatusOr<Row> ReadRow(db::Rows& rows) {
  Row row;
  Return& r = row.record;
  row.id = rows.Int64("id");
  r.plant = rows.String("plant");
  r.number = rows.String("number");
  r.customer = rows.String("customer");
  r.complaint = rows.String("complaint");
  r.bulk = rows.Bool("bulk");
  r.without_goods = rows.Bool("without_goods");
  const std::string state = rows.String("state");
  const std::string record = rows.String("record");
  r.version = rows.Int64("version");
  r.create_time = rows.Time("create_time");
  r.update_time = rows.Time("update_time");
  r.close_time = rows.OptionalTime("close_time");
  row.fingerprint = rows.String("request_fingerprint");
  QMS_RETURN_IF_ERROR(rows.status());
  auto parsed = ReturnStateFromString(state);
  if (!parsed) return absl::InternalError(absl::StrCat("unknown return state ", state));
  r.state = *parsed;
  QMS_RETURN_IF_ERROR(RecordFromJson(record, r));
  return row;
}

void InsertHistory(db::Connection& c, int64_t id, const std::string& action,
                   const std::string& actor, std::optional<ReturnState> from, ReturnState to,
                   absl::Time now, const std::string& details) {
  auto& insert = c.Prepare(
      "INSERT INTO return_history (return_id, action, actor, from_state, to_state, time, "
      "details) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.setInt64(1, id);
  insert.setString(2, action);
  insert.setString(3, actor.substr(0, 128));
  insert.setString(4, from ? std::string(ToString(*from)) : "");
  insert.setString(5, std::string(ToString(to)));
  insert.setString(6, db::ToSqlDateTime(now));
  insert.setString(7, details);
  insert.executeUpdate();
}

}  // namespace qms::returns
