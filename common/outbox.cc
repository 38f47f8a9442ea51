#include "common/outbox.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include "common/db/multi_row.h"
#include "common/db/sql_time.h"

namespace qms::outbox {

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

void EnqueueTimers(db::Connection& connection, const std::string& plant,
                   const std::vector<TimerCommand>& commands, absl::Time now) {
  static constexpr const char* kKinds[] = {"arm", "disarm", "escalate"};
  std::vector<Message> messages;
  messages.reserve(commands.size());
  for (const TimerCommand& t : commands) {
    Message& m = messages.emplace_back();
    m.kind = kKinds[static_cast<int>(t.kind)];
    m.plant = plant;
    m.subject = t.subject;
    m.policy = t.policy;
    if (t.kind != TimerCommand::Kind::kDisarm) m.start = t.start;
    m.due = t.due;
    m.detail = t.detail;
    m.customer = t.customer;
  }
  EnqueueAll(connection, messages, now);
}

}  // namespace qms::outbox
