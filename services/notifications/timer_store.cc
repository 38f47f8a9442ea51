#include "services/notifications/timer_store.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/multi_row.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/field_violations.h"
#include "spdlog/spdlog.h"

namespace qms::notifications {
namespace {

using ResultSet = std::unique_ptr<sql::ResultSet>;

// A malformed time in our own table is a bug, not bad input: raise it like a driver error.
absl::Time TimeAt(sql::ResultSet& rs, int column) {
  absl::StatusOr<absl::Time> t = db::FromSqlDateTime(std::string(rs.getString(column)));
  if (!t.ok()) throw sql::SQLException("malformed DATETIME in notifications schema");
  return *t;
}

std::optional<absl::Time> OptionalTimeAt(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  return TimeAt(rs, column);
}

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

void SetOptionalTime(sql::PreparedStatement& ps, int index, std::optional<absl::Time> t) {
  if (t) {
    ps.setString(index, db::ToSqlDateTime(*t));
  } else {
    ps.setNull(index, 0);
  }
}

// ---- calendars as stored JSON ----

nlohmann::json WindowsJson(const std::vector<Window>& windows) {
  nlohmann::json out = nlohmann::json::array();
  for (const Window& w : windows) out.push_back({w.start, w.end});
  return out;
}

std::vector<Window> WindowsFrom(const nlohmann::json& j) {
  std::vector<Window> out;
  for (const auto& w : j) out.push_back({w.at(0).get<int>(), w.at(1).get<int>()});
  return out;
}

std::string CalendarJson(const Calendar& c) {
  nlohmann::json j;
  j["time_zone"] = c.time_zone;
  j["week"] = nlohmann::json::array();
  for (const auto& day : c.week) j["week"].push_back(WindowsJson(day));
  j["holidays"] = nlohmann::json::array();
  for (absl::CivilDay d : c.holidays) j["holidays"].push_back(absl::FormatCivilTime(d));
  j["extra_working_days"] = nlohmann::json::array();
  for (absl::CivilDay d : c.extra_working_days) {
    j["extra_working_days"].push_back(absl::FormatCivilTime(d));
  }
  j["extra_day_windows"] = WindowsJson(c.extra_day_windows);
  return j.dump();
}

Calendar CalendarFrom(const std::string& plant, const std::string& text) {
  Calendar c;
  c.plant = plant;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    c.time_zone = j.at("time_zone").get<std::string>();
    for (size_t d = 0; d < 7; ++d) c.week[d] = WindowsFrom(j.at("week").at(d));
    for (const auto& s : j.at("holidays")) c.holidays.insert(*ParseDate(s.get<std::string>()));
    for (const auto& s : j.at("extra_working_days")) {
      c.extra_working_days.insert(*ParseDate(s.get<std::string>()));
    }
    c.extra_day_windows = WindowsFrom(j.at("extra_day_windows"));
  } catch (const std::exception&) {
    throw sql::SQLException("malformed calendar in notifications schema");
  }
  return c;
}

absl::Time DbNow(db::Connection& conn) {
  ResultSet rs(conn.Prepare("SELECT NOW(6)").executeQuery());
  rs->next();
  return TimeAt(*rs, 1);
}

// ---- timers ----

constexpr char kTimerColumns[] =
    "id, plant, subject, policy, state, start_time, explicit_due, arm_time, disarm_time, "
    "pause_time, paused_micros, disarmed_deadlines, customer, paused_working_micros";

Timer ReadTimerRow(sql::ResultSet& rs) {
  Timer t;
  t.id = rs.getInt64(1);
  t.key = {std::string(rs.getString(2)), std::string(rs.getString(3)),
           std::string(rs.getString(4))};
  t.state = static_cast<TimerState>(rs.getInt(5));
  t.start_time = OptionalTimeAt(rs, 6);
  t.explicit_due = OptionalTimeAt(rs, 7);
  t.arm_time = OptionalTimeAt(rs, 8);
  t.disarm_time = OptionalTimeAt(rs, 9);
  t.pause_time = OptionalTimeAt(rs, 10);
  t.paused = absl::Microseconds(rs.getInt64(11));
  t.disarmed_deadlines = SplitList(std::string(rs.getString(12)));
  t.customer = rs.getString(13);
  t.paused_working = absl::Microseconds(rs.getInt64(14));
  return t;
}

void ReadStages(db::Connection& conn, Timer& t, absl::Time now) {
  sql::PreparedStatement& ps = conn.Prepare(
      "SELECT stage_index, deadline, kind, level, roles, due_time, state, fire_time "
      "FROM timer_stages WHERE timer_id = ? ORDER BY stage_index");
  ps.setInt64(1, t.id);
  ResultSet rs(ps.executeQuery());
  t.stages.clear();
  t.overdue = false;
  while (rs->next()) {
    Stage s;
    s.index = rs->getInt(1);
    s.deadline = rs->getString(2);
    s.kind = static_cast<StageKind>(rs->getInt(3));
    s.level = rs->getInt(4);
    s.roles = SplitList(std::string(rs->getString(5)));
    s.due = TimeAt(*rs, 6);
    s.state = static_cast<StageState>(rs->getInt(7));
    s.fire_time = OptionalTimeAt(*rs, 8);
    // A held stage (the timer is paused) is not overdue: its deadline moves on resume.
    if (s.kind == StageKind::kBreach &&
        (s.state == StageState::kPending || s.state == StageState::kFired) && s.due <= now &&
        (t.state == TimerState::kArmed || t.state == TimerState::kPaused)) {
      t.overdue = true;
    }
    t.stages.push_back(std::move(s));
  }
}

// The timer of `key`, locked when `lock`; nullopt when there is none.
std::optional<Timer> FindTimer(db::Connection& conn, const TimerKey& key, bool lock) {
  sql::PreparedStatement& ps = conn.Prepare(
      absl::StrCat("SELECT ", kTimerColumns, " FROM timers WHERE subject = ? AND policy = ?",
                   lock ? " FOR UPDATE" : ""));
  ps.setString(1, key.subject);
  ps.setString(2, key.policy);
  ResultSet rs(ps.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadTimerRow(*rs);
}

// Locks the timer of `key`, creating a not-armed row first when there is none. Another caller
// inserting the same key at once makes our insert fail on the unique key; the row is then theirs
// and the locking read waits for their commit.
Timer LockOrCreate(db::Connection& conn, const TimerKey& key) {
  if (std::optional<Timer> t = FindTimer(conn, key, true)) return *t;
  try {
    sql::PreparedStatement& ps =
        conn.Prepare("INSERT INTO timers (plant, subject, policy, state) VALUES (?, ?, ?, 0)");
    ps.setString(1, key.plant);
    ps.setString(2, key.subject);
    ps.setString(3, key.policy);
    ps.executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != 1062) throw;
  }
  std::optional<Timer> t = FindTimer(conn, key, true);
  if (!t) throw sql::SQLException("timer vanished after insert");
  return *t;
}

void WriteTimer(db::Connection& conn, const Timer& t) {
  sql::PreparedStatement& ps = conn.Prepare(
      "UPDATE timers SET state = ?, start_time = ?, explicit_due = ?, arm_time = ?, "
      "disarm_time = ?, pause_time = ?, paused_micros = ?, disarmed_deadlines = ?, "
      "paused_working_micros = ? WHERE id = ?");
  ps.setInt(1, static_cast<int>(t.state));
  SetOptionalTime(ps, 2, t.start_time);
  SetOptionalTime(ps, 3, t.explicit_due);
  SetOptionalTime(ps, 4, t.arm_time);
  SetOptionalTime(ps, 5, t.disarm_time);
  SetOptionalTime(ps, 6, t.pause_time);
  ps.setInt64(7, absl::ToInt64Microseconds(t.paused));
  ps.setString(8, absl::StrJoin(t.disarmed_deadlines, ","));
  ps.setInt64(9, absl::ToInt64Microseconds(t.paused_working));
  ps.setInt64(10, t.id);
  ps.executeUpdate();
}

// Multi-row INSERT of `count` rows in chunks of 100, 50, 25, 12, 6, 3, 1 rows, so that a few
// prepared statements per shape serve every count. `bind(ps, n, i)` binds row i after index n.
template <typename Bind>
void InsertChunked(db::Connection& conn, absl::string_view head, absl::string_view row,
                   absl::string_view tail, size_t count, Bind bind) {
  for (size_t done = 0; done < count;) {
    size_t chunk = 100;
    while (chunk > count - done) chunk /= 2;
    sql::PreparedStatement& ps = conn.Prepare(db::MultiRow(head, row, chunk, tail));
    int n = 0;
    for (size_t i = done; i < done + chunk; ++i) bind(ps, n, i);
    ps.executeUpdate();
    done += chunk;
  }
}

struct StageRow {
  int64_t timer_id;
  const PlannedStage* stage;
  bool cancelled;
};

void InsertStages(db::Connection& conn, const std::vector<StageRow>& rows) {
  InsertChunked(conn,
                "INSERT INTO timer_stages (timer_id, stage_index, deadline, kind, level, roles, "
                "due_time, state) VALUES ",
                "(?, ?, ?, ?, ?, ?, ?, ?)", "", rows.size(),
                [&](sql::PreparedStatement& ps, int& n, size_t i) {
                  const PlannedStage& s = *rows[i].stage;
                  ps.setInt64(++n, rows[i].timer_id);
                  ps.setInt(++n, s.index);
                  ps.setString(++n, s.deadline);
                  ps.setInt(++n, static_cast<int>(s.kind));
                  ps.setInt(++n, s.level);
                  ps.setString(++n, absl::StrJoin(s.roles, ","));
                  ps.setString(++n, db::ToSqlDateTime(s.due));
                  ps.setInt(++n, static_cast<int>(rows[i].cancelled ? StageState::kCancelled
                                                                    : StageState::kPending));
                });
}

void InsertStages(db::Connection& conn, int64_t timer_id, const std::vector<PlannedStage>& stages,
                  const std::vector<std::string>& cancelled_deadlines) {
  std::vector<StageRow> rows;
  for (const PlannedStage& s : stages) {
    const bool cancelled = std::find(cancelled_deadlines.begin(), cancelled_deadlines.end(),
                                     s.deadline) != cancelled_deadlines.end();
    rows.push_back({timer_id, &s, cancelled});
  }
  InsertStages(conn, rows);
}

// Cancels the stages not yet fired, of one deadline or (empty) all.
void CancelStages(db::Connection& conn, int64_t timer_id, const std::string& deadline) {
  sql::PreparedStatement& ps = conn.Prepare(
      "UPDATE timer_stages SET state = 3 WHERE timer_id = ? AND state IN (1, 4) "
      "AND (? = '' OR deadline = ?)");
  ps.setInt64(1, timer_id);
  ps.setString(2, deadline);
  ps.setString(3, deadline);
  ps.executeUpdate();
}

absl::Status NotFound(const TimerKey& key) {
  return absl::NotFoundError(absl::StrCat("no timer of policy ", key.policy, " for ", key.subject));
}

// Timers belong to one plant: asking with another plant's code finds nothing.
bool SamePlant(const Timer& t, const TimerKey& key) { return t.key.plant == key.plant; }

std::string Ids(const std::vector<int64_t>& ids) { return absl::StrJoin(ids, ","); }

Event ReadEvent(sql::ResultSet& rs) {
  // id, plant, subject, policy, deadline, kind, level, roles, due_time, fire_time, customer
  Event e;
  e.id = rs.getInt64(1);
  e.plant = rs.getString(2);
  e.subject = rs.getString(3);
  e.policy = rs.getString(4);
  e.deadline = rs.getString(5);
  e.kind = static_cast<StageKind>(rs.getInt(6));
  e.level = rs.getInt(7);
  e.roles = SplitList(std::string(rs.getString(8)));
  e.due = TimeAt(rs, 9);
  e.fire_time = TimeAt(rs, 10);
  e.customer = rs.getString(11);
  return e;
}

constexpr char kEventSelect[] =
    "SELECT f.id, f.plant, t.subject, t.policy, s.deadline, s.kind, s.level, s.roles, "
    "f.due_time, f.fire_time, t.customer FROM firings f JOIN timers t ON t.id = f.timer_id "
    "JOIN timer_stages s ON s.timer_id = f.timer_id AND s.stage_index = f.stage_index ";

bool Matches(const Subscription& sub, const Event& e) {
  if (sub.plant != "*" && sub.plant != e.plant) return false;
  if (sub.roles.empty()) return true;
  for (const std::string& r : sub.roles) {
    if (std::find(e.roles.begin(), e.roles.end(), r) != e.roles.end()) return true;
  }
  return false;
}

std::vector<Subscription> ActiveSubscriptions(db::Connection& conn, const std::string& plant) {
  sql::PreparedStatement& ps = conn.Prepare(
      "SELECT id, plant, roles, channel, target, secret, create_time FROM subscriptions "
      "WHERE deleted = FALSE AND (? = '' OR plant = ? OR plant = '*') ORDER BY id");
  ps.setString(1, plant);
  ps.setString(2, plant);
  ResultSet rs(ps.executeQuery());
  std::vector<Subscription> out;
  while (rs->next()) {
    Subscription s;
    s.id = rs->getInt64(1);
    s.plant = rs->getString(2);
    s.roles = SplitList(std::string(rs->getString(3)));
    s.channel = static_cast<Channel>(rs->getInt(4));
    s.target = rs->getString(5);
    s.secret = rs->getString(6);
    s.create_time = TimeAt(*rs, 7);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TimerStore::TimerStore(db::ConnectionPool& pool, Policies policies, PlantCalendars plants)
    : pool_(pool), policies_(std::move(policies)), plants_(std::move(plants)) {}

std::pair<Calendar, int64_t> TimerStore::LoadCalendar(db::Connection& conn,
                                                      const std::string& plant, bool lock) {
  sql::PreparedStatement& ps =
      conn.Prepare(lock ? "SELECT definition, version FROM calendars WHERE plant = ? FOR UPDATE"
                        : "SELECT definition, version FROM calendars WHERE plant = ?");
  ps.setString(1, plant);
  ResultSet rs(ps.executeQuery());
  if (!rs->next()) return {plants_.CalendarOf(plant), 0};
  return {CalendarFrom(plant, std::string(rs->getString(1))), rs->getInt64(2)};
}

// ---- calendars ----

absl::StatusOr<std::pair<Calendar, int64_t>> TimerStore::GetCalendar(const std::string& plant) {
  std::pair<Calendar, int64_t> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) {
    out = LoadCalendar(conn, plant, false);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<absl::Time> TimerStore::DatabaseNow() {
  absl::Time now;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) {
    now = DbNow(conn);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return now;
}

absl::StatusOr<std::pair<Calendar, int64_t>> TimerStore::SetCalendar(const Calendar& calendar,
                                                                     const std::string& etag) {
  if (plants_.GivesCalendar(calendar.plant)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the calendar of plant ", calendar.plant,
                     " comes from the plants file (--plants_file); change it there"));
  }
  if (calendar.time_zone != plants_.ZoneName(calendar.plant)) {
    return InvalidField(
        "calendar.time_zone",
        absl::StrCat("plant ", calendar.plant, " is in ", plants_.ZoneName(calendar.plant),
                     " (the plants file, else --default_time_zone), the one "
                     "source of its zone"));
  }
  std::pair<Calendar, int64_t> out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    const int64_t version = LoadCalendar(conn, calendar.plant, true).second;
    if (!etag.empty() && etag != absl::StrCat(version)) {
      return absl::AbortedError("the calendar changed since it was read; read it again");
    }
    if (absl::Status s = WriteCalendar(conn, calendar, version + 1); !s.ok()) return s;
    out = {calendar, version + 1};
    out.first.is_default = false;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status TimerStore::ApplyConfiguredCalendars() {
  for (const Calendar& calendar : plants_.GivenCalendars()) {
    int64_t applied = 0;
    absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
      const auto [stored, version] = LoadCalendar(conn, calendar.plant, true);
      if (version > 0 && CalendarJson(stored) == CalendarJson(calendar)) return absl::OkStatus();
      applied = version + 1;
      return WriteCalendar(conn, calendar, applied);
    });
    if (!st.ok())
      return absl::Status(st.code(),
                          absl::StrCat("calendar of ", calendar.plant, ": ", st.message()));
    if (applied > 0) {
      spdlog::info("calendar of {} set from the plants file (version {})", calendar.plant, applied);
    }
  }
  return absl::OkStatus();
}

absl::Status TimerStore::WriteCalendar(db::Connection& conn, const Calendar& calendar,
                                       int64_t version) {
  const absl::Time now = DbNow(conn);
  sql::PreparedStatement& ps = conn.Prepare(
      "INSERT INTO calendars (plant, definition, version, update_time) VALUES (?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE definition = VALUES(definition), version = VALUES(version), "
      "update_time = VALUES(update_time)");
  ps.setString(1, calendar.plant);
  ps.setString(2, CalendarJson(calendar));
  ps.setInt64(3, version);
  ps.setString(4, db::ToSqlDateTime(now));
  ps.executeUpdate();

  // Recompute the pending stages of the plant's open timers against the new calendar.
  sql::PreparedStatement& open = conn.Prepare(absl::StrCat(
      "SELECT ", kTimerColumns, " FROM timers WHERE plant = ? AND state IN (1, 2) FOR UPDATE"));
  open.setString(1, calendar.plant);
  std::vector<Timer> timers;
  {
    ResultSet rs(open.executeQuery());
    while (rs->next()) timers.push_back(ReadTimerRow(*rs));
  }
  for (const Timer& t : timers) {
    if (absl::Status s = Replan(conn, t, calendar, "1, 4", false); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status TimerStore::Replan(db::Connection& conn, const Timer& t, const Calendar& calendar,
                                const char* states, bool resume) {
  auto policy = policies_.find(t.key.policy);
  if (policy == policies_.end() || !t.start_time) return absl::OkStatus();
  absl::StatusOr<std::vector<PlannedStage>> plan = PlanStages(
      policy->second, calendar, *t.start_time, t.explicit_due, Paused{t.paused, t.paused_working});
  if (!plan.ok()) return plan.status();
  sql::PreparedStatement& up = conn.Prepare(
      absl::StrCat("UPDATE timer_stages SET due_time = ?", resume ? ", state = 1" : "",
                   " WHERE timer_id = ? AND stage_index = ? AND state IN (", states, ")"));
  for (const PlannedStage& s : *plan) {
    up.setString(1, db::ToSqlDateTime(s.due));
    up.setInt64(2, t.id);
    up.setInt(3, s.index);
    up.executeUpdate();
  }
  return absl::OkStatus();
}

// ---- timers ----

absl::StatusOr<ArmResult> TimerStore::ArmOne(db::Connection& conn, const ArmInput& input,
                                             const Policy& policy, absl::Time now,
                                             CalendarCache& calendars) {
  ArmResult out;
  Timer t = LockOrCreate(conn, input.key);
  if (!SamePlant(t, input.key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(input.key.subject, " already has a timer of another plant"));
  }
  out.armed_now = t.state == TimerState::kNotArmed;
  if (out.armed_now) {
    t.start_time = input.start.value_or(now);
    t.explicit_due = input.due;
    absl::StatusOr<std::vector<PlannedStage>> plan =
        PlanStages(policy, CalendarOf(conn, t.key.plant, calendars), *t.start_time, t.explicit_due);
    if (!plan.ok()) return plan.status();
    t.state = TimerState::kArmed;
    t.arm_time = now;
    WriteTimer(conn, t);
    sql::PreparedStatement& rid =
        conn.Prepare("UPDATE timers SET request_id = ?, customer = ? WHERE id = ?");
    rid.setString(1, input.request_id);
    rid.setString(2, input.customer);
    rid.setInt64(3, t.id);
    rid.executeUpdate();
    InsertStages(conn, t.id, *plan, t.disarmed_deadlines);
  }
  ReadStages(conn, t, now);
  out.timer = std::move(t);
  return out;
}

const Calendar& TimerStore::CalendarOf(db::Connection& conn, const std::string& plant,
                                       CalendarCache& calendars) {
  auto it = calendars.find(plant);
  if (it == calendars.end()) {
    it = calendars.emplace(plant, LoadCalendar(conn, plant, false).first).first;
  }
  return it->second;
}

absl::StatusOr<ArmResult> TimerStore::Arm(const ArmInput& input) {
  absl::StatusOr<const Policy*> policy = ConfiguredPolicy(policies_, input.key.policy);
  if (!policy.ok()) return policy.status();
  ArmResult out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    CalendarCache calendars;
    absl::StatusOr<ArmResult> armed = ArmOne(conn, input, **policy, DbNow(conn), calendars);
    if (!armed.ok()) return armed.status();
    out = *std::move(armed);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ArmBatchResult> TimerStore::ArmMany(const std::vector<ArmInput>& inputs) {
  std::vector<const Policy*> policy_of;
  for (size_t i = 0; i < inputs.size(); ++i) {
    absl::StatusOr<const Policy*> policy =
        ConfiguredPolicy(policies_, inputs[i].key.policy, absl::StrCat("requests[", i, "].policy"));
    if (!policy.ok()) return policy.status();
    policy_of.push_back(*policy);
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  ArmBatchResult out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out = ArmBatchResult{};
    const absl::Time now = DbNow(conn);
    CalendarCache calendars;
    // The first request of each subject+policy; repeats inside the batch are "existing".
    std::map<std::pair<std::string, std::string>, size_t> first;
    std::vector<size_t> order;
    std::vector<std::vector<PlannedStage>> plans(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!first.emplace(std::make_pair(inputs[i].key.subject, inputs[i].key.policy), i).second) {
        ++out.existing;
        continue;
      }
      absl::StatusOr<std::vector<PlannedStage>> plan =
          PlanStages(*policy_of[i], CalendarOf(conn, inputs[i].key.plant, calendars),
                     inputs[i].start.value_or(now), inputs[i].due);
      if (!plan.ok()) return plan.status();
      plans[i] = *std::move(plan);
      order.push_back(i);
    }
    // One multi-row insert; rows that already exist are left as they are.
    const int64_t batch = static_cast<int64_t>(random() >> 1);
    const std::string arm_time = db::ToSqlDateTime(now);
    InsertChunked(conn,
                  "INSERT INTO timers (plant, subject, policy, state, start_time, explicit_due, "
                  "arm_time, request_id, arm_batch, customer) VALUES ",
                  "(?, ?, ?, 1, ?, ?, ?, ?, ?, ?)", " ON DUPLICATE KEY UPDATE id = id",
                  order.size(), [&](sql::PreparedStatement& ps, int& n, size_t k) {
                    const ArmInput& in = inputs[order[k]];
                    ps.setString(++n, in.key.plant);
                    ps.setString(++n, in.key.subject);
                    ps.setString(++n, in.key.policy);
                    ps.setString(++n, db::ToSqlDateTime(in.start.value_or(now)));
                    SetOptionalTime(ps, ++n, in.due);
                    ps.setString(++n, arm_time);
                    ps.setString(++n, in.request_id);
                    ps.setInt64(++n, batch);
                    ps.setString(++n, in.customer);
                  });
    sql::PreparedStatement& ours =
        conn.Prepare("SELECT id, subject, policy FROM timers WHERE arm_batch = ?");
    ours.setInt64(1, batch);
    std::vector<StageRow> stages;
    std::vector<bool> inserted(inputs.size(), false);
    {
      ResultSet rs(ours.executeQuery());
      while (rs->next()) {
        const size_t i = first.at({std::string(rs->getString(2)), std::string(rs->getString(3))});
        inserted[i] = true;
        for (const PlannedStage& s : plans[i]) stages.push_back({rs->getInt64(1), &s, false});
      }
    }
    InsertStages(conn, stages);
    for (const StageRow& r : stages) {
      if (!out.earliest_due || r.stage->due < *out.earliest_due) out.earliest_due = r.stage->due;
    }
    // What existed: an idempotent repeat, or a tombstone that the arm completes.
    for (size_t i : order) {
      if (inserted[i]) {
        ++out.armed;
        continue;
      }
      absl::StatusOr<ArmResult> one = ArmOne(conn, inputs[i], *policy_of[i], now, calendars);
      if (!one.ok()) return one.status();
      ++(one->armed_now ? out.armed : out.existing);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<DisarmResult> TimerStore::Disarm(const TimerKey& key, const std::string& deadline) {
  absl::StatusOr<const Policy*> policy = ConfiguredPolicy(policies_, key.policy);
  if (!policy.ok()) return policy.status();
  std::vector<std::string> all;
  for (const DeadlineRule& d : (*policy)->deadlines) all.push_back(d.name);
  if (!deadline.empty() && std::find(all.begin(), all.end(), deadline) == all.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy ", key.policy, " has no deadline ", deadline));
  }
  DisarmResult out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.responses.clear();
    Timer t = LockOrCreate(conn, key);
    if (!SamePlant(t, key)) return NotFound(key);
    const absl::Time now = DbNow(conn);
    if (t.state != TimerState::kDisarmed) {
      std::vector<std::string> newly;
      for (const std::string& d : all) {
        const bool already = std::find(t.disarmed_deadlines.begin(), t.disarmed_deadlines.end(),
                                       d) != t.disarmed_deadlines.end();
        if (!already && (deadline.empty() || d == deadline)) newly.push_back(d);
      }
      for (const std::string& d : newly) {
        t.disarmed_deadlines.push_back(d);
        if (t.start_time && t.state != TimerState::kNotArmed) {
          out.responses.emplace_back(d, now - *t.start_time - t.paused);
        }
      }
      CancelStages(conn, t.id, deadline);
      if (t.disarmed_deadlines.size() >= all.size()) {
        t.state = TimerState::kDisarmed;
        t.disarm_time = now;
        t.pause_time.reset();
      }
      WriteTimer(conn, t);
    }
    ReadStages(conn, t, now);
    out.timer = std::move(t);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

namespace {

// Pause and resume: lock an armed or paused timer of `key`, let `change` move it, return it.
absl::StatusOr<Timer> ChangeOpenTimer(
    db::ConnectionPool& pool, const TimerKey& key,
    absl::FunctionRef<absl::Status(db::Connection&, Timer&, absl::Time)> change) {
  Timer out;
  absl::Status st = db::RunInTransaction(pool, [&](db::Connection& conn) -> absl::Status {
    std::optional<Timer> t = FindTimer(conn, key, true);
    if (!t || !SamePlant(*t, key) || t->state == TimerState::kNotArmed) return NotFound(key);
    if (t->state == TimerState::kDisarmed) {
      return absl::FailedPreconditionError("the timer is disarmed");
    }
    const absl::Time now = DbNow(conn);
    if (absl::Status s = change(conn, *t, now); !s.ok()) return s;
    ReadStages(conn, *t, now);
    out = *std::move(t);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace

absl::StatusOr<Timer> TimerStore::Pause(const TimerKey& key) {
  return ChangeOpenTimer(pool_, key, [](db::Connection& conn, Timer& t, absl::Time now) {
    if (t.state != TimerState::kArmed) return absl::OkStatus();  // already paused
    sql::PreparedStatement& ps =
        conn.Prepare("UPDATE timer_stages SET state = 4 WHERE timer_id = ? AND state = 1");
    ps.setInt64(1, t.id);
    ps.executeUpdate();
    t.state = TimerState::kPaused;
    t.pause_time = now;
    WriteTimer(conn, t);
    return absl::OkStatus();
  });
}

// The held stages move by the pause in their deadline's unit: the wall time for calendar hours,
// the plant's working time for working hours and days (a pause over a weekend moves those not at
// all). Replanned from the start with every pause so far, so a later calendar change keeps them.
absl::StatusOr<Timer> TimerStore::Resume(const TimerKey& key) {
  return ChangeOpenTimer(pool_, key, [&](db::Connection& conn, Timer& t, absl::Time now) {
    if (t.state != TimerState::kPaused) return absl::OkStatus();  // already running
    CalendarCache calendars;
    const Calendar& calendar = CalendarOf(conn, t.key.plant, calendars);
    const absl::Time paused_at = t.pause_time.value_or(now);
    t.paused += now - paused_at;
    t.paused_working += WorkingTimeBetween(calendar, paused_at, now);
    if (absl::Status s = Replan(conn, t, calendar, "4", true); !s.ok()) return s;
    t.state = TimerState::kArmed;
    t.pause_time.reset();
    WriteTimer(conn, t);
    return absl::OkStatus();
  });
}

absl::StatusOr<Timer> TimerStore::Get(const TimerKey& key) {
  Timer out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    std::optional<Timer> t = FindTimer(conn, key, false);
    if (!t || !SamePlant(*t, key) || t->state == TimerState::kNotArmed) return NotFound(key);
    ReadStages(conn, *t, DbNow(conn));
    out = *std::move(t);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Timer>> TimerStore::List(const TimerFilter& f) {
  std::vector<Timer> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(absl::StrCat(
        "SELECT ", kTimerColumns,
        " FROM timers t WHERE plant = ? AND id > ? AND state <> 0 AND (? = 0 OR state = ?) "
        "AND (? = '' OR policy = ?) AND (? = FALSE OR (state IN (1, 2) AND EXISTS ("
        "SELECT 1 FROM timer_stages s WHERE s.timer_id = t.id AND s.kind = 2 AND s.state IN (1, 2) "
        "AND s.due_time <= NOW(6)))) ORDER BY id LIMIT ?"));
    const int state = f.state ? static_cast<int>(*f.state) : 0;
    ps.setString(1, f.plant);
    ps.setInt64(2, f.after_id);
    ps.setInt(3, state);
    ps.setInt(4, state);
    ps.setString(5, f.policy);
    ps.setString(6, f.policy);
    ps.setBoolean(7, f.overdue_only);
    ps.setInt(8, f.page_size);
    {
      ResultSet rs(ps.executeQuery());
      while (rs->next()) out.push_back(ReadTimerRow(*rs));
    }
    const absl::Time now = DbNow(conn);
    for (Timer& t : out) ReadStages(conn, t, now);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<OpenTimerCount>> TimerStore::CountOpen() {
  std::vector<OpenTimerCount> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    ResultSet rs(conn.Prepare("SELECT plant, policy, state, COUNT(*) FROM timers "
                              "WHERE state IN (1, 2) GROUP BY plant, policy, state")
                     .executeQuery());
    while (rs->next()) {
      out.push_back({std::string(rs->getString(1)), std::string(rs->getString(2)),
                     static_cast<TimerState>(rs->getInt(3)), rs->getInt64(4)});
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<int64_t> TimerStore::CountDueUnfired(absl::Duration grace) {
  int64_t count = 0;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(
        "SELECT COUNT(*) FROM timer_stages WHERE state = 1 AND "
        "due_time < NOW(6) - INTERVAL ? MICROSECOND");
    ps.setInt64(1, absl::ToInt64Microseconds(grace));
    ResultSet rs(ps.executeQuery());
    if (rs->next()) count = rs->getInt64(1);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return count;
}

// ---- the engine ----

absl::StatusOr<FireResult> TimerStore::FireDue(int limit) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  FireResult out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.fired.clear();
    out.next_due.reset();
    sql::PreparedStatement& claim = conn.Prepare(
        "SELECT id, NOW(6) FROM timer_stages WHERE state = 1 AND due_time <= NOW(6) "
        "ORDER BY due_time LIMIT ? FOR UPDATE SKIP LOCKED");
    claim.setInt(1, limit);
    std::vector<int64_t> ids;
    {
      ResultSet rs(claim.executeQuery());
      while (rs->next()) {
        ids.push_back(rs->getInt64(1));
        out.db_now = TimeAt(*rs, 2);
      }
    }
    if (ids.empty()) {
      out.db_now = DbNow(conn);
    } else {
      // The stage ids are integers we just read: safe to inline, and one statement each.
      const int64_t batch = static_cast<int64_t>(random() >> 1);
      const std::string now = db::ToSqlDateTime(out.db_now);
      conn.Execute(absl::StrCat(
          "INSERT INTO firings (timer_id, stage_index, plant, due_time, fire_time, batch) "
          "SELECT s.timer_id, s.stage_index, t.plant, s.due_time, '",
          now, "', ", batch,
          " FROM timer_stages s JOIN timers t ON t.id = s.timer_id WHERE s.id IN (", Ids(ids),
          ")"));
      conn.Execute(absl::StrCat("UPDATE timer_stages SET state = 2, fire_time = '", now,
                                "' WHERE id IN (", Ids(ids), ")"));
      sql::PreparedStatement& read =
          conn.Prepare(absl::StrCat(kEventSelect, "WHERE f.batch = ? ORDER BY f.id"));
      read.setInt64(1, batch);
      {
        ResultSet rs(read.executeQuery());
        while (rs->next()) out.fired.push_back(ReadEvent(*rs));
      }
      // Deliveries for the subscriptions each event matches.
      const std::vector<Subscription> subs = ActiveSubscriptions(conn, "");
      std::string values;
      for (const Event& e : out.fired) {
        for (const Subscription& s : subs) {
          if (!Matches(s, e)) continue;
          absl::StrAppend(&values, values.empty() ? "" : ",", "(", e.id, ",", s.id, ",1,0,'", now,
                          "')");
        }
      }
      if (!values.empty()) {
        conn.Execute(
            absl::StrCat("INSERT INTO deliveries (firing_id, subscription_id, state, "
                         "attempts, next_attempt_time) VALUES ",
                         values));
      }
    }
    ResultSet next(
        conn.Prepare("SELECT MIN(due_time) FROM timer_stages WHERE state = 1").executeQuery());
    if (next->next()) out.next_due = OptionalTimeAt(*next, 1);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

// ---- events, subscriptions, deliveries ----

absl::StatusOr<std::vector<Event>> TimerStore::EventsAfter(int64_t after_id,
                                                           const std::string& plant, int limit) {
  std::vector<Event> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(absl::StrCat(
        kEventSelect, "WHERE f.id > ? AND (? = '' OR f.plant = ?) ORDER BY f.id LIMIT ?"));
    ps.setInt64(1, after_id);
    ps.setString(2, plant);
    ps.setString(3, plant);
    ps.setInt(4, limit);
    ResultSet rs(ps.executeQuery());
    while (rs->next()) out.push_back(ReadEvent(*rs));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<int64_t> TimerStore::LastEventId() {
  int64_t id = 0;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    ResultSet rs(conn.Prepare("SELECT COALESCE(MAX(id), 0) FROM firings").executeQuery());
    if (rs->next()) id = rs->getInt64(1);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return id;
}

absl::StatusOr<Subscription> TimerStore::CreateSubscription(const Subscription& in) {
  Subscription out = in;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.create_time = DbNow(conn);
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
    ResultSet rs(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
    rs->next();
    out.id = rs->getInt64(1);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Subscription>> TimerStore::ListSubscriptions(const std::string& plant) {
  std::vector<Subscription> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    out = ActiveSubscriptions(conn, plant);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<Subscription> TimerStore::GetSubscription(int64_t id) {
  absl::StatusOr<std::vector<Subscription>> all = ListSubscriptions("");
  if (!all.ok()) return all.status();
  for (const Subscription& s : *all) {
    if (s.id == id) return s;
  }
  return absl::NotFoundError(absl::StrCat("no subscription ", id));
}

absl::Status TimerStore::DeleteSubscription(int64_t id) {
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

namespace {

constexpr char kDeliverySelect[] =
    "SELECT d.id, d.subscription_id, d.state, d.attempts, d.last_error, d.next_attempt_time, "
    "d.deliver_time, sub.channel, sub.target, sub.secret, f.id, f.plant, t.subject, t.policy, "
    "s.deadline, s.kind, s.level, s.roles, f.due_time, f.fire_time FROM deliveries d "
    "JOIN subscriptions sub ON sub.id = d.subscription_id JOIN firings f ON f.id = d.firing_id "
    "JOIN timers t ON t.id = f.timer_id "
    "JOIN timer_stages s ON s.timer_id = f.timer_id AND s.stage_index = f.stage_index ";

Delivery ReadDelivery(sql::ResultSet& rs) {
  Delivery d;
  d.id = rs.getInt64(1);
  d.subscription_id = rs.getInt64(2);
  d.state = static_cast<DeliveryState>(rs.getInt(3));
  d.attempts = rs.getInt(4);
  d.last_error = rs.getString(5);
  d.next_attempt_time = TimeAt(rs, 6);
  d.deliver_time = OptionalTimeAt(rs, 7);
  d.channel = static_cast<Channel>(rs.getInt(8));
  d.target = rs.getString(9);
  d.secret = rs.getString(10);
  Event& e = d.event;
  e.id = rs.getInt64(11);
  e.plant = rs.getString(12);
  e.subject = rs.getString(13);
  e.policy = rs.getString(14);
  e.deadline = rs.getString(15);
  e.kind = static_cast<StageKind>(rs.getInt(16));
  e.level = rs.getInt(17);
  e.roles = SplitList(std::string(rs.getString(18)));
  e.due = TimeAt(rs, 19);
  e.fire_time = TimeAt(rs, 20);
  return d;
}

}  // namespace

absl::StatusOr<std::vector<Delivery>> TimerStore::ListDeliveries(const std::string& plant,
                                                                 std::optional<DeliveryState> state,
                                                                 int limit) {
  std::vector<Delivery> out;
  absl::Status st = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps =
        conn.Prepare(absl::StrCat(kDeliverySelect,
                                  "WHERE (? = '' OR f.plant = ?) AND (? = 0 OR d.state = ?) "
                                  "ORDER BY d.id DESC LIMIT ?"));
    const int s = state ? static_cast<int>(*state) : 0;
    ps.setString(1, plant);
    ps.setString(2, plant);
    ps.setInt(3, s);
    ps.setInt(4, s);
    ps.setInt(5, limit);
    ResultSet rs(ps.executeQuery());
    while (rs->next()) {
      out.push_back(ReadDelivery(*rs));
      out.back().secret.clear();
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Delivery>> TimerStore::ClaimDeliveries(int limit, absl::Duration lease) {
  std::vector<Delivery> out;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.clear();
    sql::PreparedStatement& claim = conn.Prepare(
        "SELECT id FROM deliveries WHERE state = 1 AND next_attempt_time <= NOW(6) "
        "ORDER BY next_attempt_time LIMIT ? FOR UPDATE SKIP LOCKED");
    claim.setInt(1, limit);
    std::vector<int64_t> ids;
    {
      ResultSet rs(claim.executeQuery());
      while (rs->next()) ids.push_back(rs->getInt64(1));
    }
    if (ids.empty()) return absl::OkStatus();
    static thread_local std::mt19937_64 random{std::random_device{}()};
    const int64_t token = static_cast<int64_t>(random() >> 1) | 1;  // positive, never 0
    conn.Execute(
        absl::StrCat("UPDATE deliveries SET attempts = attempts + 1, lease_token = ", token,
                     ", next_attempt_time = NOW(6) + INTERVAL ", absl::ToInt64Microseconds(lease),
                     " MICROSECOND WHERE id IN (", Ids(ids), ")"));
    std::unique_ptr<sql::Statement> read(conn.raw().createStatement());
    ResultSet rs(read->executeQuery(
        absl::StrCat(kDeliverySelect, "WHERE d.id IN (", Ids(ids), ") ORDER BY d.id")));
    while (rs->next()) {
      out.push_back(ReadDelivery(*rs));
      out.back().lease_token = token;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

namespace {

absl::Status LeaseLost(const Delivery& d) {
  return absl::FailedPreconditionError(
      absl::StrCat("delivery ", d.id, " is no longer leased to this worker"));
}

}  // namespace

absl::Status TimerStore::MarkDelivered(const Delivery& d) {
  return db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(
        "UPDATE deliveries SET state = 2, deliver_time = NOW(6), last_error = '' "
        "WHERE id = ? AND state = 1 AND lease_token = ?");
    ps.setInt64(1, d.id);
    ps.setInt64(2, d.lease_token);
    return ps.executeUpdate() == 1 ? absl::OkStatus() : LeaseLost(d);
  });
}

absl::Status TimerStore::MarkFailed(const Delivery& d, const std::string& error,
                                    absl::Duration backoff, bool dead) {
  return db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(
        "UPDATE deliveries SET state = ?, last_error = ?, "
        "next_attempt_time = NOW(6) + INTERVAL ? MICROSECOND "
        "WHERE id = ? AND state = 1 AND lease_token = ?");
    ps.setInt(1, static_cast<int>(dead ? DeliveryState::kDead : DeliveryState::kPending));
    ps.setString(2, error.substr(0, 500));
    ps.setInt64(3, absl::ToInt64Microseconds(backoff));
    ps.setInt64(4, d.id);
    ps.setInt64(5, d.lease_token);
    return ps.executeUpdate() == 1 ? absl::OkStatus() : LeaseLost(d);
  });
}

}  // namespace qms::notifications
