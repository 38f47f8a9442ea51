#include "services/notifications/delivery_store.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/status_macros.h"

namespace qms::notifications {
namespace {

// Enum values as the columns store them, for statements that name them.
constexpr int V(DeliveryState s) { return static_cast<int>(s); }

const std::string& EventSelect() {
  static const std::string sql =
      "SELECT f.id, f.plant, t.subject, t.policy, s.deadline, s.kind, s.level, s.roles, "
      "f.due_time, f.fire_time, t.customer FROM firings f JOIN timers t ON t.id = f.timer_id "
      "JOIN timer_stages s ON s.timer_id = f.timer_id AND s.stage_index = f.stage_index ";
  return sql;
}

// The event of a row of EventSelect(), or of DeliverySelect() (its id as `id_column`).
Event ReadEvent(db::Rows& rows, absl::string_view id_column = "id") {
  Event e;
  e.id = rows.Int64(id_column);
  e.plant = rows.String("plant");
  e.subject = rows.String("subject");
  e.policy = rows.String("policy");
  e.deadline = rows.String("deadline");
  e.kind = rows.Enum<StageKind>("kind");
  e.level = rows.Int("level");
  e.roles = rows.List("roles");
  e.due = rows.Time("due_time");
  e.fire_time = rows.Time("fire_time");
  e.customer = rows.String("customer");
  return e;
}

constexpr char kSubscriptionSelect[] =
    "SELECT id, plant, roles, channel, target, secret, create_time FROM subscriptions ";

absl::StatusOr<std::vector<Subscription>> ReadSubscriptions(sql::PreparedStatement& ps) {
  db::Rows rows(ps.executeQuery());
  std::vector<Subscription> out;
  while (rows.Next()) {
    Subscription s;
    s.id = rows.Int64("id");
    s.plant = rows.String("plant");
    s.roles = rows.List("roles");
    s.channel = rows.Enum<Channel>("channel");
    s.target = rows.String("target");
    s.secret = rows.String("secret");
    s.create_time = rows.Time("create_time");
    out.push_back(std::move(s));
  }
  QMS_RETURN_IF_ERROR(rows.status());
  return out;
}

// Every subscription not deleted: the ones each fired event is matched against.
absl::StatusOr<std::vector<Subscription>> ActiveSubscriptions(db::Connection& conn) {
  return ReadSubscriptions(
      conn.Prepare(absl::StrCat(kSubscriptionSelect, "WHERE deleted = FALSE ORDER BY id")));
}

// "?, ?, ?" for `n` values (at least one: an empty scope matches nothing).
std::string Placeholders(size_t n) {
  return n == 0 ? "NULL" : absl::StrJoin(std::vector<std::string>(n, "?"), ", ");
}

const std::string& DeliverySelect() {
  static const std::string sql =
      "SELECT d.id, d.subscription_id, d.state, d.attempts, d.last_error, d.next_attempt_time, "
      "d.deliver_time, sub.channel, sub.target, sub.secret, f.id AS event_id, f.plant, "
      "t.subject, t.policy, s.deadline, s.kind, s.level, s.roles, f.due_time, f.fire_time, "
      "t.customer FROM deliveries d JOIN subscriptions sub ON sub.id = d.subscription_id "
      "JOIN firings f ON f.id = d.firing_id JOIN timers t ON t.id = f.timer_id "
      "JOIN timer_stages s ON s.timer_id = f.timer_id AND s.stage_index = f.stage_index ";
  return sql;
}

Delivery ReadDelivery(db::Rows& rows) {
  Delivery d;
  d.id = rows.Int64("id");
  d.subscription_id = rows.Int64("subscription_id");
  d.state = rows.Enum<DeliveryState>("state");
  d.attempts = rows.Int("attempts");
  d.last_error = rows.String("last_error");
  d.next_attempt_time = rows.Time("next_attempt_time");
  d.deliver_time = rows.OptionalTime("deliver_time");
  d.channel = rows.Enum<Channel>("channel");
  d.target = rows.String("target");
  d.secret = rows.String("secret");
  d.event = ReadEvent(rows, "event_id");
  return d;
}

absl::Status LeaseLost(const Delivery& d) {
  return absl::FailedPreconditionError(
      absl::StrCat("delivery ", d.id, " is no longer leased to this worker"));
}

}  // namespace

bool Matches(const Subscription& sub, const Event& e) {
  if (sub.plant != "*" && sub.plant != e.plant) return false;
  if (sub.roles.empty()) return true;
  for (const std::string& r : sub.roles) {
    if (std::find(e.roles.begin(), e.roles.end(), r) != e.roles.end()) return true;
  }
  return false;
}

absl::StatusOr<std::vector<Event>> RecordFirings(db::Connection& conn, int64_t batch,
                                                 absl::Time now) {
  sql::PreparedStatement& read =
      conn.Prepare(absl::StrCat(EventSelect(), "WHERE f.batch = ? ORDER BY f.id"));
  read.setInt64(1, batch);
  std::vector<Event> events;
  {
    db::Rows rows(read.executeQuery());
    while (rows.Next()) events.push_back(ReadEvent(rows));
    QMS_RETURN_IF_ERROR(rows.status());
  }
  QMS_ASSIGN_OR_RETURN(const std::vector<Subscription> subscriptions, ActiveSubscriptions(conn));
  // One multi-row insert of integers and a time we made: safe to inline.
  std::string values;
  const std::string due = db::ToSqlDateTime(now);
  for (const Event& e : events) {
    for (const Subscription& s : subscriptions) {
      if (!Matches(s, e)) continue;
      absl::StrAppend(&values, values.empty() ? "" : ",", "(", e.id, ",", s.id, ",",
                      V(DeliveryState::kPending), ",0,'", due, "')");
    }
  }
  if (!values.empty()) {
    conn.Execute(absl::StrCat(
        "INSERT INTO deliveries (firing_id, subscription_id, state, attempts, next_attempt_time) "
        "VALUES ",
        values));
  }
  return events;
}

absl::StatusOr<std::vector<Event>> DeliveryStore::EventsAfter(int64_t after_id,
                                                              const std::string& plant, int limit) {
  std::vector<Event> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(absl::StrCat(
        EventSelect(), "WHERE f.id > ? AND (? = '' OR f.plant = ?) ORDER BY f.id LIMIT ?"));
    ps.setInt64(1, after_id);
    ps.setString(2, plant);
    ps.setString(3, plant);
    ps.setInt(4, limit);
    db::Rows rows(ps.executeQuery());
    while (rows.Next()) out.push_back(ReadEvent(rows));
    return rows.status();
  }));
  return out;
}

absl::StatusOr<int64_t> DeliveryStore::LastEventId() {
  int64_t id = 0;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    db::Rows rows(conn.Prepare("SELECT COALESCE(MAX(id), 0) AS id FROM firings").executeQuery());
    if (rows.Next()) id = rows.Int64("id");
    return rows.status();
  }));
  return id;
}

absl::StatusOr<Subscription> DeliveryStore::CreateSubscription(const Subscription& in) {
  Subscription out = in;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(out.create_time, db::Now(conn));
    sql::PreparedStatement& ps = conn.Prepare(
        "INSERT INTO subscriptions (plant, roles, channel, target, secret, create_time) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    ps.setString(1, in.plant);
    ps.setString(2, absl::StrJoin(in.roles, ","));
    ps.setInt(3, static_cast<int>(in.channel));
    ps.setString(4, in.target);
    ps.setString(5, in.secret);
    ps.setString(6, db::ToSqlDateTime(out.create_time));
    ps.executeUpdate();
    db::Rows rows(conn.Prepare("SELECT LAST_INSERT_ID() AS id").executeQuery());
    if (rows.Next()) out.id = rows.Int64("id");
    return rows.status();
  }));
  return out;
}

absl::StatusOr<std::vector<Subscription>> DeliveryStore::ListSubscriptions(
    const PlantScope& scope, const PageRequest& page) {
  std::string sql = std::string(kSubscriptionSelect) + "WHERE deleted = FALSE AND id > ?";
  if (!scope.all) absl::StrAppend(&sql, " AND plant IN (", Placeholders(scope.plants.size()), ")");
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  std::vector<Subscription> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(sql);
    int n = 0;
    ps.setInt64(++n, page.after_id);
    if (!scope.all) {
      for (const std::string& plant : scope.plants) ps.setString(++n, plant);
    }
    ps.setInt(++n, page.size + 1);
    QMS_ASSIGN_OR_RETURN(out, ReadSubscriptions(ps));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Subscription> DeliveryStore::GetSubscription(int64_t id) {
  std::vector<Subscription> found;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps =
        conn.Prepare(absl::StrCat(kSubscriptionSelect, "WHERE id = ? AND deleted = FALSE"));
    ps.setInt64(1, id);
    QMS_ASSIGN_OR_RETURN(found, ReadSubscriptions(ps));
    return absl::OkStatus();
  }));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no subscription ", id));
  return found.front();
}

absl::Status DeliveryStore::DeleteSubscription(int64_t id) {
  return db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps =
        conn.Prepare("UPDATE subscriptions SET deleted = TRUE WHERE id = ? AND deleted = FALSE");
    ps.setInt64(1, id);
    if (ps.executeUpdate() == 0) {
      return absl::NotFoundError(absl::StrCat("no subscription ", id));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Delivery>> DeliveryStore::ListDeliveries(
    const PlantScope& scope, std::optional<DeliveryState> state, const PageRequest& page) {
  std::string sql = absl::StrCat(DeliverySelect(), "WHERE (? = 0 OR d.state = ?)");
  if (page.after_id > 0) absl::StrAppend(&sql, " AND d.id < ?");
  if (!scope.all) {
    absl::StrAppend(&sql, " AND f.plant IN (", Placeholders(scope.plants.size()), ")");
  }
  absl::StrAppend(&sql, " ORDER BY d.id DESC LIMIT ?");
  std::vector<Delivery> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(sql);
    const int s = state ? V(*state) : 0;
    int n = 0;
    ps.setInt(++n, s);
    ps.setInt(++n, s);
    if (page.after_id > 0) ps.setInt64(++n, page.after_id);
    if (!scope.all) {
      for (const std::string& plant : scope.plants) ps.setString(++n, plant);
    }
    ps.setInt(++n, page.size + 1);
    db::Rows rows(ps.executeQuery());
    while (rows.Next()) {
      out.push_back(ReadDelivery(rows));
      out.back().secret.clear();
    }
    return rows.status();
  }));
  return out;
}

absl::StatusOr<std::vector<Delivery>> DeliveryStore::ClaimDeliveries(int limit,
                                                                     absl::Duration lease) {
  static const std::string kClaim = absl::Substitute(
      "SELECT id FROM deliveries WHERE state = $0 AND next_attempt_time <= NOW(6) "
      "ORDER BY next_attempt_time LIMIT ? FOR UPDATE SKIP LOCKED",
      V(DeliveryState::kPending));
  std::vector<Delivery> out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.clear();
    sql::PreparedStatement& claim = conn.Prepare(kClaim);
    claim.setInt(1, limit);
    std::vector<int64_t> ids;
    {
      db::Rows rows(claim.executeQuery());
      while (rows.Next()) ids.push_back(rows.Int64("id"));
      QMS_RETURN_IF_ERROR(rows.status());
    }
    if (ids.empty()) return absl::OkStatus();
    static thread_local std::mt19937_64 random{std::random_device{}()};
    const int64_t token = static_cast<int64_t>(random() >> 1) | 1;  // positive, never 0
    // The ids are integers we just read: safe to inline.
    const std::string in = absl::StrJoin(ids, ",");
    conn.Execute(
        absl::StrCat("UPDATE deliveries SET attempts = attempts + 1, lease_token = ", token,
                     ", next_attempt_time = NOW(6) + INTERVAL ", absl::ToInt64Microseconds(lease),
                     " MICROSECOND WHERE id IN (", in, ")"));
    std::unique_ptr<sql::Statement> read(conn.raw().createStatement());
    db::Rows rows(read->executeQuery(
        absl::StrCat(DeliverySelect(), "WHERE d.id IN (", in, ") ORDER BY d.id")));
    while (rows.Next()) {
      out.push_back(ReadDelivery(rows));
      out.back().lease_token = token;
    }
    return rows.status();
  }));
  return out;
}

absl::Status DeliveryStore::MarkDelivered(const Delivery& d) {
  static const std::string kDelivered = absl::Substitute(
      "UPDATE deliveries SET state = $0, deliver_time = NOW(6), last_error = '' "
      "WHERE id = ? AND state = $1 AND lease_token = ?",
      V(DeliveryState::kDelivered), V(DeliveryState::kPending));
  return db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(kDelivered);
    ps.setInt64(1, d.id);
    ps.setInt64(2, d.lease_token);
    return ps.executeUpdate() == 1 ? absl::OkStatus() : LeaseLost(d);
  });
}

absl::Status DeliveryStore::MarkFailed(const Delivery& d, const std::string& error,
                                       absl::Duration backoff, bool dead) {
  static const std::string kFailed = absl::Substitute(
      "UPDATE deliveries SET state = ?, last_error = ?, "
      "next_attempt_time = NOW(6) + INTERVAL ? MICROSECOND "
      "WHERE id = ? AND state = $0 AND lease_token = ?",
      V(DeliveryState::kPending));
  return db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(kFailed);
    ps.setInt(1, V(dead ? DeliveryState::kDead : DeliveryState::kPending));
    ps.setString(2, error.substr(0, 500));
    ps.setInt64(3, absl::ToInt64Microseconds(backoff));
    ps.setInt64(4, d.id);
    ps.setInt64(5, d.lease_token);
    return ps.executeUpdate() == 1 ? absl::OkStatus() : LeaseLost(d);
  });
}

}  // namespace qms::notifications
