#include "services/notifications/timer_store.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "common/db/multi_row.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/field_violations.h"
#include "common/status_macros.h"
#include "services/notifications/delivery_store.h"
#include "spdlog/spdlog.h"

namespace qms::notifications {
namespace {

// Enum values as the columns store them, for statements that name them.
constexpr int V(TimerState s) { return static_cast<int>(s); }
constexpr int V(StageState s) { return static_cast<int>(s); }
constexpr int V(StageKind k) { return static_cast<int>(k); }

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

// A stored calendar that does not parse is a defect of our own table: INTERNAL, as a value.
absl::StatusOr<Calendar> CalendarFrom(const std::string& plant, const std::string& text) {
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
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("stored calendar of ", plant, ": ", e.what()));
  }
  return c;
}

// ---- timers ----

constexpr char kTimerColumns[] =
    "id, plant, subject, policy, state, start_time, explicit_due, arm_time, disarm_time, "
    "pause_time, paused_micros, disarmed_deadlines, customer, paused_working_micros";

Timer ReadTimerRow(db::Rows& rows) {
  Timer t;
  t.id = rows.Int64("id");
  t.key = {rows.String("plant"), rows.String("subject"), rows.String("policy")};
  t.state = rows.Enum<TimerState>("state");
  t.start_time = rows.OptionalTime("start_time");
  t.explicit_due = rows.OptionalTime("explicit_due");
  t.arm_time = rows.OptionalTime("arm_time");
  t.disarm_time = rows.OptionalTime("disarm_time");
  t.pause_time = rows.OptionalTime("pause_time");
  t.paused = absl::Microseconds(rows.Int64("paused_micros"));
  t.disarmed_deadlines = rows.List("disarmed_deadlines");
  t.customer = rows.String("customer");
  t.paused_working = absl::Microseconds(rows.Int64("paused_working_micros"));
  return t;
}

absl::StatusOr<std::vector<Timer>> ReadTimers(sql::PreparedStatement& ps) {
  db::Rows rows(ps.executeQuery());
  std::vector<Timer> out;
  while (rows.Next()) out.push_back(ReadTimerRow(rows));
  QMS_RETURN_IF_ERROR(rows.status());
  return out;
}

// Adds the stage of the current row to `t`, and whether it makes `t` overdue at `now`.
void AddStage(Timer& t, db::Rows& rows, absl::Time now) {
  Stage s;
  s.index = rows.Int("stage_index");
  s.deadline = rows.String("deadline");
  s.kind = rows.Enum<StageKind>("kind");
  s.level = rows.Int("level");
  s.roles = rows.List("roles");
  s.due = rows.Time("due_time");
  s.state = rows.Enum<StageState>("state");
  s.fire_time = rows.OptionalTime("fire_time");
  t.overdue = t.overdue || MakesOverdue(s, t.state, now);
  t.stages.push_back(std::move(s));
}

absl::Status ReadStages(db::Connection& conn, Timer& t, absl::Time now) {
  sql::PreparedStatement& ps = conn.Prepare(
      "SELECT stage_index, deadline, kind, level, roles, due_time, state, fire_time "
      "FROM timer_stages WHERE timer_id = ? ORDER BY stage_index");
  ps.setInt64(1, t.id);
  db::Rows rows(ps.executeQuery());
  t.stages.clear();
  t.overdue = false;
  while (rows.Next()) AddStage(t, rows, now);
  return rows.status();
}

// The stages of every timer of a page in one query (a list used to read them timer by timer).
absl::Status ReadStagesOfPage(db::Connection& conn, std::vector<Timer>& timers, absl::Time now) {
  if (timers.empty()) return absl::OkStatus();
  std::map<int64_t, Timer*> by_id;
  for (Timer& t : timers) {
    t.stages.clear();
    t.overdue = false;
    by_id[t.id] = &t;
  }
  std::vector<int64_t> ids;
  for (const auto& [id, t] : by_id) ids.push_back(id);
  // The ids are integers we just read: safe to inline (and not prepared: each page's are its own).
  // The index is named: past 200 values the optimizer estimates an IN list from statistics and
  // may scan the table instead.
  std::unique_ptr<sql::Statement> read(conn.raw().createStatement());
  db::Rows rows(read->executeQuery(absl::StrCat(
      "SELECT timer_id, stage_index, deadline, kind, level, roles, due_time, state, fire_time "
      "FROM timer_stages FORCE INDEX (timer_stages_index) WHERE timer_id IN (",
      absl::StrJoin(ids, ","), ") ORDER BY timer_id, stage_index")));
  while (rows.Next()) {
    const auto t = by_id.find(rows.Int64("timer_id"));
    if (t != by_id.end()) AddStage(*t->second, rows, now);
  }
  return rows.status();
}

// The timer of `key`, locked when `lock`; nullopt when there is none.
absl::StatusOr<std::optional<Timer>> FindTimer(db::Connection& conn, const TimerKey& key,
                                               bool lock) {
  sql::PreparedStatement& ps = conn.Prepare(
      absl::StrCat("SELECT ", kTimerColumns, " FROM timers WHERE subject = ? AND policy = ?",
                   lock ? " FOR UPDATE" : ""));
  ps.setString(1, key.subject);
  ps.setString(2, key.policy);
  QMS_ASSIGN_OR_RETURN(std::vector<Timer> found, ReadTimers(ps));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

// Locks the timer of `key`, creating a not-armed row first when there is none. Another caller
// inserting the same key at once makes our insert fail on the unique key; the row is then theirs
// and the locking read waits for their commit.
absl::StatusOr<Timer> LockOrCreate(db::Connection& conn, const TimerKey& key) {
  QMS_ASSIGN_OR_RETURN(std::optional<Timer> t, FindTimer(conn, key, true));
  if (t) return *std::move(t);
  static const std::string kInsert =
      absl::Substitute("INSERT INTO timers (plant, subject, policy, state) VALUES (?, ?, ?, $0)",
                       V(TimerState::kNotArmed));
  try {
    sql::PreparedStatement& ps = conn.Prepare(kInsert);
    ps.setString(1, key.plant);
    ps.setString(2, key.subject);
    ps.setString(3, key.policy);
    ps.executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != 1062) throw;  // a duplicate key: theirs, read below
  }
  QMS_ASSIGN_OR_RETURN(t, FindTimer(conn, key, true));
  if (!t) return absl::InternalError("timer vanished after insert");
  return *std::move(t);
}

void WriteTimer(db::Connection& conn, const Timer& t) {
  sql::PreparedStatement& ps = conn.Prepare(
      "UPDATE timers SET state = ?, start_time = ?, explicit_due = ?, arm_time = ?, "
      "disarm_time = ?, pause_time = ?, paused_micros = ?, disarmed_deadlines = ?, "
      "paused_working_micros = ? WHERE id = ?");
  ps.setInt(1, V(t.state));
  db::BindOptionalTime(ps, 2, t.start_time);
  db::BindOptionalTime(ps, 3, t.explicit_due);
  db::BindOptionalTime(ps, 4, t.arm_time);
  db::BindOptionalTime(ps, 5, t.disarm_time);
  db::BindOptionalTime(ps, 6, t.pause_time);
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
  const NewStage* stage;
};

void InsertStages(db::Connection& conn, const std::vector<StageRow>& rows) {
  InsertChunked(
      conn,
      "INSERT INTO timer_stages (timer_id, stage_index, deadline, kind, level, roles, "
      "due_time, state) VALUES ",
      "(?, ?, ?, ?, ?, ?, ?, ?)", "", rows.size(),
      [&](sql::PreparedStatement& ps, int& n, size_t i) {
        const PlannedStage& s = rows[i].stage->stage;
        ps.setInt64(++n, rows[i].timer_id);
        ps.setInt(++n, s.index);
        ps.setString(++n, s.deadline);
        ps.setInt(++n, V(s.kind));
        ps.setInt(++n, s.level);
        ps.setString(++n, absl::StrJoin(s.roles, ","));
        ps.setString(++n, db::ToSqlDateTime(s.due));
        ps.setInt(++n, V(rows[i].stage->cancelled ? StageState::kCancelled : StageState::kPending));
      });
}

// Cancels the stages not yet fired, of one deadline or (empty) all.
void CancelStages(db::Connection& conn, int64_t timer_id, const std::string& deadline) {
  static const std::string kCancel = absl::Substitute(
      "UPDATE timer_stages SET state = $0 WHERE timer_id = ? AND state IN ($1, $2) "
      "AND (? = '' OR deadline = ?)",
      V(StageState::kCancelled), V(StageState::kPending), V(StageState::kHeld));
  sql::PreparedStatement& ps = conn.Prepare(kCancel);
  ps.setInt64(1, timer_id);
  ps.setString(2, deadline);
  ps.setString(3, deadline);
  ps.executeUpdate();
}

// Gives `t`'s held stages the due times of `plan` and sets them pending (a resume).
void ReleaseHeld(db::Connection& conn, const Timer& t, const std::vector<PlannedStage>& plan) {
  static const std::string kRelease = absl::Substitute(
      "UPDATE timer_stages SET due_time = ?, state = $0 "
      "WHERE timer_id = ? AND stage_index = ? AND state = $1",
      V(StageState::kPending), V(StageState::kHeld));
  sql::PreparedStatement& ps = conn.Prepare(kRelease);
  for (const PlannedStage& s : plan) {
    ps.setString(1, db::ToSqlDateTime(s.due));
    ps.setInt64(2, t.id);
    ps.setInt(3, s.index);
    ps.executeUpdate();
  }
}

// A stage's new due time after a calendar change.
struct MovedStage {
  int64_t timer_id;
  int stage_index;
  absl::Time due;
};

// "UPDATE ... JOIN" of `rows` (timer_id, stage_index, due) rows: the pending and held ones move.
std::string MoveStatement(size_t rows) {
  std::string sql = "UPDATE timer_stages s JOIN (SELECT ? AS timer_id, ? AS stage_index, ? AS due";
  for (size_t r = 1; r < rows; ++r) sql += " UNION ALL SELECT ?, ?, ?";
  absl::StrAppend(&sql,
                  absl::Substitute(") v ON s.timer_id = v.timer_id AND s.stage_index = "
                                   "v.stage_index SET s.due_time = v.due WHERE s.state IN ($0, $1)",
                                   V(StageState::kPending), V(StageState::kHeld)));
  return sql;
}

// Moves `stages` in statements of up to 256 rows (256, 128, ... 1: a few shapes, each prepared
// once per connection); before, every stage had an UPDATE of its own.
void MoveStages(db::Connection& conn, const std::vector<MovedStage>& stages) {
  for (size_t done = 0; done < stages.size();) {
    size_t chunk = 256;
    while (chunk > stages.size() - done) chunk /= 2;
    sql::PreparedStatement& ps = conn.Prepare(MoveStatement(chunk));
    int n = 0;
    for (size_t i = done; i < done + chunk; ++i) {
      ps.setInt64(++n, stages[i].timer_id);
      ps.setInt(++n, stages[i].stage_index);
      ps.setString(++n, db::ToSqlDateTime(stages[i].due));
    }
    ps.executeUpdate();
    done += chunk;
  }
}

absl::Status NotFound(const TimerKey& key) {
  return absl::NotFoundError(absl::StrCat("no timer of policy ", key.policy, " for ", key.subject));
}

// Timers belong to one plant: asking with another plant's code finds nothing.
bool SamePlant(const Timer& t, const TimerKey& key) { return t.key.plant == key.plant; }

}  // namespace

TimerStore::TimerStore(db::ConnectionPool& pool, Policies policies, PlantCalendars plants)
    : pool_(pool), policies_(std::move(policies)), plants_(std::move(plants)) {}

// ---- calendars ----

absl::StatusOr<std::pair<Calendar, int64_t>> TimerStore::LoadCalendar(db::Connection& conn,
                                                                      const std::string& plant,
                                                                      bool lock) {
  sql::PreparedStatement& ps =
      conn.Prepare(lock ? "SELECT definition, version FROM calendars WHERE plant = ? FOR UPDATE"
                        : "SELECT definition, version FROM calendars WHERE plant = ?");
  ps.setString(1, plant);
  db::Rows rows(ps.executeQuery());
  if (!rows.Next()) return std::make_pair(plants_.CalendarOf(plant), int64_t{0});
  const std::string definition = rows.String("definition");
  const int64_t version = rows.Int64("version");
  QMS_RETURN_IF_ERROR(rows.status());
  QMS_ASSIGN_OR_RETURN(Calendar calendar, CalendarFrom(plant, definition));
  return std::make_pair(std::move(calendar), version);
}

absl::StatusOr<const Calendar*> TimerStore::CalendarOf(db::Connection& conn,
                                                       const std::string& plant,
                                                       CalendarCache& calendars) {
  auto it = calendars.find(plant);
  if (it == calendars.end()) {
    QMS_ASSIGN_OR_RETURN(auto loaded, LoadCalendar(conn, plant, false));
    it = calendars.emplace(plant, std::move(loaded.first)).first;
  }
  return &it->second;
}

absl::StatusOr<std::pair<Calendar, int64_t>> TimerStore::GetCalendar(const std::string& plant) {
  std::pair<Calendar, int64_t> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(out, LoadCalendar(conn, plant, false));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<absl::Time> TimerStore::DatabaseNow() {
  absl::Time now;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(now, db::Now(conn));
    return absl::OkStatus();
  }));
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
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const auto stored, LoadCalendar(conn, calendar.plant, true));
    const int64_t version = stored.second;
    if (!etag.empty() && etag != absl::StrCat(version)) {
      return absl::AbortedError("the calendar changed since it was read; read it again");
    }
    QMS_RETURN_IF_ERROR(WriteCalendar(conn, calendar, version + 1));
    out = {calendar, version + 1};
    out.first.is_default = false;
    return absl::OkStatus();
  }));
  return out;
}

absl::Status TimerStore::ApplyConfiguredCalendars() {
  for (const Calendar& calendar : plants_.GivenCalendars()) {
    int64_t applied = 0;
    absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
      QMS_ASSIGN_OR_RETURN(const auto stored, LoadCalendar(conn, calendar.plant, true));
      const auto& [current, version] = stored;
      if (version > 0 && CalendarJson(current) == CalendarJson(calendar)) {
        return absl::OkStatus();
      }
      applied = version + 1;
      return WriteCalendar(conn, calendar, applied);
    });
    if (!st.ok()) {
      return absl::Status(st.code(),
                          absl::StrCat("calendar of ", calendar.plant, ": ", st.message()));
    }
    if (applied > 0) {
      spdlog::info("calendar of {} set from the plants file (version {})", calendar.plant, applied);
    }
  }
  return absl::OkStatus();
}

absl::Status TimerStore::WriteCalendar(db::Connection& conn, const Calendar& calendar,
                                       int64_t version) {
  QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
  sql::PreparedStatement& ps = conn.Prepare(
      "INSERT INTO calendars (plant, definition, version, update_time) VALUES (?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE definition = VALUES(definition), version = VALUES(version), "
      "update_time = VALUES(update_time)");
  ps.setString(1, calendar.plant);
  ps.setString(2, CalendarJson(calendar));
  ps.setInt64(3, version);
  ps.setString(4, db::ToSqlDateTime(now));
  ps.executeUpdate();

  // Recompute the pending and held stages of the plant's open timers against the new calendar.
  static const std::string kOpenOfPlant =
      absl::Substitute("SELECT $0 FROM timers WHERE plant = ? AND state IN ($1, $2) FOR UPDATE",
                       kTimerColumns, V(TimerState::kArmed), V(TimerState::kPaused));
  sql::PreparedStatement& open = conn.Prepare(kOpenOfPlant);
  open.setString(1, calendar.plant);
  QMS_ASSIGN_OR_RETURN(const std::vector<Timer> timers, ReadTimers(open));
  std::vector<MovedStage> moved;
  for (const Timer& t : timers) {
    auto policy = policies_.find(t.key.policy);
    if (policy == policies_.end() || !t.start_time) continue;
    QMS_ASSIGN_OR_RETURN(const std::vector<PlannedStage> plan, Replan(t, policy->second, calendar));
    for (const PlannedStage& s : plan) moved.push_back({t.id, s.index, s.due});
  }
  MoveStages(conn, moved);
  return absl::OkStatus();
}

// ---- timers ----

absl::StatusOr<ArmResult> TimerStore::ArmOne(db::Connection& conn, const ArmInput& input,
                                             const Policy& policy, absl::Time now,
                                             CalendarCache& calendars) {
  ArmResult out;
  QMS_ASSIGN_OR_RETURN(Timer t, LockOrCreate(conn, input.key));
  if (!SamePlant(t, input.key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(input.key.subject, " already has a timer of another plant"));
  }
  QMS_ASSIGN_OR_RETURN(const Calendar* calendar, CalendarOf(conn, t.key.plant, calendars));
  QMS_ASSIGN_OR_RETURN(const std::optional<std::vector<NewStage>> stages,
                       notifications::Arm(t, policy, *calendar, input.start, input.due, now));
  out.armed_now = stages.has_value();
  if (out.armed_now) {
    WriteTimer(conn, t);
    sql::PreparedStatement& rid =
        conn.Prepare("UPDATE timers SET request_id = ?, customer = ? WHERE id = ?");
    rid.setString(1, input.request_id);
    rid.setString(2, input.customer);
    rid.setInt64(3, t.id);
    rid.executeUpdate();
    std::vector<StageRow> rows;
    for (const NewStage& s : *stages) rows.push_back({t.id, &s});
    InsertStages(conn, rows);
  }
  QMS_RETURN_IF_ERROR(ReadStages(conn, t, now));
  out.timer = std::move(t);
  return out;
}

absl::StatusOr<ArmResult> TimerStore::Arm(const ArmInput& input) {
  QMS_ASSIGN_OR_RETURN(const Policy* policy, ConfiguredPolicy(policies_, input.key.policy));
  ArmResult out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    CalendarCache calendars;
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    QMS_ASSIGN_OR_RETURN(out, ArmOne(conn, input, *policy, now, calendars));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ArmBatchResult> TimerStore::ArmMany(const std::vector<ArmInput>& inputs) {
  std::vector<const Policy*> policy_of;
  for (size_t i = 0; i < inputs.size(); ++i) {
    QMS_ASSIGN_OR_RETURN(const Policy* policy,
                         ConfiguredPolicy(policies_, inputs[i].key.policy,
                                          absl::StrCat("requests[", i, "].policy")));
    policy_of.push_back(policy);
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const std::string kInsertRow =
      absl::Substitute("(?, ?, ?, $0, ?, ?, ?, ?, ?, ?)", V(TimerState::kArmed));
  ArmBatchResult out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out = ArmBatchResult{};
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    CalendarCache calendars;
    // The first request of each subject+policy; repeats inside the batch are "existing".
    std::map<std::pair<std::string, std::string>, size_t> first;
    std::vector<size_t> order;
    std::vector<std::vector<NewStage>> plans(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!first.emplace(std::make_pair(inputs[i].key.subject, inputs[i].key.policy), i).second) {
        ++out.existing;
        continue;
      }
      // Planned as a new timer's; a row that exists already goes through ArmOne below.
      QMS_ASSIGN_OR_RETURN(const Calendar* calendar,
                           CalendarOf(conn, inputs[i].key.plant, calendars));
      QMS_ASSIGN_OR_RETURN(
          plans[i], StagesOfArm(*policy_of[i], *calendar, inputs[i].start, inputs[i].due, now));
      order.push_back(i);
    }
    // One multi-row insert; rows that already exist are left as they are.
    const int64_t batch = static_cast<int64_t>(random() >> 1);
    const std::string arm_time = db::ToSqlDateTime(now);
    InsertChunked(conn,
                  "INSERT INTO timers (plant, subject, policy, state, start_time, explicit_due, "
                  "arm_time, request_id, arm_batch, customer) VALUES ",
                  kInsertRow, " ON DUPLICATE KEY UPDATE id = id", order.size(),
                  [&](sql::PreparedStatement& ps, int& n, size_t k) {
                    const ArmInput& in = inputs[order[k]];
                    ps.setString(++n, in.key.plant);
                    ps.setString(++n, in.key.subject);
                    ps.setString(++n, in.key.policy);
                    ps.setString(++n, db::ToSqlDateTime(in.start.value_or(now)));
                    db::BindOptionalTime(ps, ++n, in.due);
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
      db::Rows rows(ours.executeQuery());
      while (rows.Next()) {
        const int64_t id = rows.Int64("id");
        const auto found = first.find({rows.String("subject"), rows.String("policy")});
        if (found == first.end()) continue;
        inserted[found->second] = true;
        for (const NewStage& s : plans[found->second]) stages.push_back({id, &s});
      }
      QMS_RETURN_IF_ERROR(rows.status());
    }
    InsertStages(conn, stages);
    for (const StageRow& r : stages) {
      const absl::Time due = r.stage->stage.due;
      if (!out.earliest_due || due < *out.earliest_due) out.earliest_due = due;
    }
    // What existed: an idempotent repeat, or a tombstone that the arm completes.
    for (size_t i : order) {
      if (inserted[i]) {
        ++out.armed;
        continue;
      }
      QMS_ASSIGN_OR_RETURN(const ArmResult one,
                           ArmOne(conn, inputs[i], *policy_of[i], now, calendars));
      ++(one.armed_now ? out.armed : out.existing);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<DisarmResult> TimerStore::Disarm(const TimerKey& key, const std::string& deadline) {
  QMS_ASSIGN_OR_RETURN(const Policy* policy, ConfiguredPolicy(policies_, key.policy));
  // The deadline is checked before anything is locked or written.
  QMS_RETURN_IF_ERROR(CheckDeadline(*policy, deadline));
  DisarmResult out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(Timer t, LockOrCreate(conn, key));
    if (!SamePlant(t, key)) return NotFound(key);
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    QMS_ASSIGN_OR_RETURN(Disarmed disarmed, notifications::Disarm(t, *policy, deadline, now));
    if (disarmed.changed) {
      CancelStages(conn, t.id, deadline);
      WriteTimer(conn, t);
    }
    QMS_RETURN_IF_ERROR(ReadStages(conn, t, now));
    out.timer = std::move(t);
    out.responses = std::move(disarmed.responses);
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// Pause and resume: lock an armed or paused timer of `key`, let `change` move it, return it.
absl::StatusOr<Timer> ChangeOpenTimer(
    db::ConnectionPool& pool, const TimerKey& key,
    absl::FunctionRef<absl::Status(db::Connection&, Timer&, absl::Time)> change) {
  Timer out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(std::optional<Timer> t, FindTimer(conn, key, true));
    if (!t || !SamePlant(*t, key) || t->state == TimerState::kNotArmed) return NotFound(key);
    if (t->state == TimerState::kDisarmed) {
      return absl::FailedPreconditionError("the timer is disarmed");
    }
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    QMS_RETURN_IF_ERROR(change(conn, *t, now));
    QMS_RETURN_IF_ERROR(ReadStages(conn, *t, now));
    out = *std::move(t);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

absl::StatusOr<Timer> TimerStore::Pause(const TimerKey& key) {
  static const std::string kHold =
      absl::Substitute("UPDATE timer_stages SET state = $0 WHERE timer_id = ? AND state = $1",
                       V(StageState::kHeld), V(StageState::kPending));
  return ChangeOpenTimer(pool_, key, [](db::Connection& conn, Timer& t, absl::Time now) {
    if (!notifications::Pause(t, now)) return absl::OkStatus();  // already paused
    sql::PreparedStatement& ps = conn.Prepare(kHold);
    ps.setInt64(1, t.id);
    ps.executeUpdate();
    WriteTimer(conn, t);
    return absl::OkStatus();
  });
}

// The held stages move by the pause in their deadline's unit (timer.h's Resume); replanned from
// the start with every pause so far, so a later calendar change keeps them.
absl::StatusOr<Timer> TimerStore::Resume(const TimerKey& key) {
  static const std::string kRelease =
      absl::Substitute("UPDATE timer_stages SET state = $0 WHERE timer_id = ? AND state = $1",
                       V(StageState::kPending), V(StageState::kHeld));
  return ChangeOpenTimer(pool_, key, [&](db::Connection& conn, Timer& t, absl::Time now) {
    CalendarCache calendars;
    QMS_ASSIGN_OR_RETURN(const Calendar* calendar, CalendarOf(conn, t.key.plant, calendars));
    auto policy = policies_.find(t.key.policy);
    QMS_ASSIGN_OR_RETURN(
        const Resumed resumed,
        notifications::Resume(t, policy == policies_.end() ? nullptr : &policy->second, *calendar,
                              now));
    if (!resumed.resumed) return absl::OkStatus();  // already running
    if (resumed.plan) ReleaseHeld(conn, t, *resumed.plan);
    // Stages the plan does not know (no policy to plan from) run on as they were.
    sql::PreparedStatement& release = conn.Prepare(kRelease);
    release.setInt64(1, t.id);
    release.executeUpdate();
    WriteTimer(conn, t);
    return absl::OkStatus();
  });
}

absl::StatusOr<Timer> TimerStore::Get(const TimerKey& key) {
  Timer out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(std::optional<Timer> t, FindTimer(conn, key, false));
    if (!t || !SamePlant(*t, key) || t->state == TimerState::kNotArmed) return NotFound(key);
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    QMS_RETURN_IF_ERROR(ReadStages(conn, *t, now));
    out = *std::move(t);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<Timer>> TimerStore::List(const TimerFilter& f) {
  static const std::string kList = absl::Substitute(
      "SELECT $0 FROM timers t WHERE plant = ? AND id > ? AND state <> $1 "
      "AND (? = 0 OR state = ?) AND (? = '' OR policy = ?) "
      "AND (? = FALSE OR (state IN ($2, $3) AND EXISTS (SELECT 1 FROM timer_stages s "
      "WHERE s.timer_id = t.id AND s.kind = $4 AND s.state IN ($5, $6) "
      "AND s.due_time <= NOW(6)))) ORDER BY id LIMIT ?",
      kTimerColumns, V(TimerState::kNotArmed), V(TimerState::kArmed), V(TimerState::kPaused),
      V(StageKind::kBreach), V(StageState::kPending), V(StageState::kFired));
  std::vector<Timer> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(kList);
    const int state = f.state ? V(*f.state) : 0;
    ps.setString(1, f.plant);
    ps.setInt64(2, f.after_id);
    ps.setInt(3, state);
    ps.setInt(4, state);
    ps.setString(5, f.policy);
    ps.setString(6, f.policy);
    ps.setBoolean(7, f.overdue_only);
    ps.setInt(8, f.page_size);
    QMS_ASSIGN_OR_RETURN(out, ReadTimers(ps));
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(conn));
    QMS_RETURN_IF_ERROR(ReadStagesOfPage(conn, out, now));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<OpenTimerCount>> TimerStore::CountOpen() {
  static const std::string kCount = absl::Substitute(
      "SELECT plant, policy, state, COUNT(*) AS count FROM timers "
      "WHERE state IN ($0, $1) GROUP BY plant, policy, state",
      V(TimerState::kArmed), V(TimerState::kPaused));
  std::vector<OpenTimerCount> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    db::Rows rows(conn.Prepare(kCount).executeQuery());
    while (rows.Next()) {
      out.push_back({rows.String("plant"), rows.String("policy"), rows.Enum<TimerState>("state"),
                     rows.Int64("count")});
    }
    return rows.status();
  }));
  return out;
}

absl::StatusOr<int64_t> TimerStore::CountDueUnfired(absl::Duration grace) {
  static const std::string kCount = absl::Substitute(
      "SELECT COUNT(*) AS count FROM timer_stages WHERE state = $0 AND "
      "due_time < NOW(6) - INTERVAL ? MICROSECOND",
      V(StageState::kPending));
  int64_t count = 0;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    sql::PreparedStatement& ps = conn.Prepare(kCount);
    ps.setInt64(1, absl::ToInt64Microseconds(grace));
    db::Rows rows(ps.executeQuery());
    if (rows.Next()) count = rows.Int64("count");
    return rows.status();
  }));
  return count;
}

// ---- the engine ----

absl::StatusOr<FireResult> TimerStore::FireDue(int limit) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const std::string kClaim = absl::Substitute(
      "SELECT id, NOW(6) AS now FROM timer_stages WHERE state = $0 AND due_time <= NOW(6) "
      "ORDER BY due_time LIMIT ? FOR UPDATE SKIP LOCKED",
      V(StageState::kPending));
  static const std::string kNextDue = absl::Substitute(
      "SELECT MIN(due_time) AS due FROM timer_stages WHERE state = $0", V(StageState::kPending));
  FireResult out;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    out.fired.clear();
    out.next_due.reset();
    sql::PreparedStatement& claim = conn.Prepare(kClaim);
    claim.setInt(1, limit);
    std::vector<int64_t> ids;
    {
      db::Rows rows(claim.executeQuery());
      while (rows.Next()) {
        ids.push_back(rows.Int64("id"));
        out.db_now = rows.Time("now");
      }
      QMS_RETURN_IF_ERROR(rows.status());
    }
    if (ids.empty()) {
      QMS_ASSIGN_OR_RETURN(out.db_now, db::Now(conn));
    } else {
      // The stage ids are integers we just read: safe to inline, and one statement each.
      const int64_t batch = static_cast<int64_t>(random() >> 1);
      const std::string now = db::ToSqlDateTime(out.db_now);
      const std::string in = absl::StrJoin(ids, ",");
      conn.Execute(absl::StrCat(
          "INSERT INTO firings (timer_id, stage_index, plant, due_time, fire_time, batch) "
          "SELECT s.timer_id, s.stage_index, t.plant, s.due_time, '",
          now, "', ", batch,
          " FROM timer_stages s JOIN timers t ON t.id = s.timer_id WHERE s.id IN (", in, ")"));
      conn.Execute(absl::StrCat("UPDATE timer_stages SET state = ", V(StageState::kFired),
                                ", fire_time = '", now, "' WHERE id IN (", in, ")"));
      QMS_ASSIGN_OR_RETURN(out.fired, RecordFirings(conn, batch, out.db_now));
    }
    db::Rows next(conn.Prepare(kNextDue).executeQuery());
    if (next.Next()) out.next_due = next.OptionalTime("due");
    return next.status();
  }));
  return out;
}

}  // namespace qms::notifications
