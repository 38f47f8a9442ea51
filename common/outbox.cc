#include "common/outbox.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include "common/db/sql_time.h"

namespace qms::outbox {

void Enqueue(db::Connection& connection, const Message& m, absl::Time now) {
  auto& insert = connection.Prepare(
      "INSERT INTO outbox (kind, plant, subject, policy, start_time, due_time, detail, "
      "create_time, next_attempt_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, m.kind);
  insert.setString(2, m.plant);
  insert.setString(3, m.subject);
  insert.setString(4, m.policy);
  if (m.start) {
    insert.setString(5, db::ToSqlDateTime(*m.start));
  } else {
    insert.setNull(5, sql::DataType::TIMESTAMP);
  }
  if (m.due) {
    insert.setString(6, db::ToSqlDateTime(*m.due));
  } else {
    insert.setNull(6, sql::DataType::TIMESTAMP);
  }
  insert.setString(7, m.detail);
  insert.setString(8, db::ToSqlDateTime(now));
  insert.setString(9, db::ToSqlDateTime(now));
  insert.executeUpdate();
}

}  // namespace qms::outbox
