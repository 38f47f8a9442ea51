#include "common/outbox.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include "common/db/multi_row.h"
#include "common/db/sql_time.h"

namespace qms::outbox {

void Enqueue(db::Connection& connection, const Message& m, absl::Time now) {
  EnqueueAll(connection, {m}, now);
}

void EnqueueAll(db::Connection& connection, const std::vector<Message>& messages, absl::Time now) {
  if (messages.empty()) return;
  // One multi-row statement per call (a prepared variant per row count, kept per connection;
  // a group-committed batch of creates writes up to a few times its size).
  auto& insert = connection.Prepare(db::MultiRow(
      "INSERT INTO outbox (kind, plant, subject, policy, start_time, due_time, detail, customer, "
      "create_time, next_attempt_time) VALUES ",
      10, messages.size()));
  const std::string created = db::ToSqlDateTime(now);
  int n = 0;
  for (const Message& m : messages) {
    insert.setString(++n, m.kind);
    insert.setString(++n, m.plant);
    insert.setString(++n, m.subject);
    insert.setString(++n, m.policy);
    if (m.start) {
      insert.setString(++n, db::ToSqlDateTime(*m.start));
    } else {
      insert.setNull(++n, sql::DataType::TIMESTAMP);
    }
    if (m.due) {
      insert.setString(++n, db::ToSqlDateTime(*m.due));
    } else {
      insert.setNull(++n, sql::DataType::TIMESTAMP);
    }
    insert.setString(++n, m.detail);
    insert.setString(++n, m.customer);
    insert.setString(++n, created);
    insert.setString(++n, created);
  }
  insert.executeUpdate();
}

}  // namespace qms::outbox
