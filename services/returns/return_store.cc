#include "services/returns/return_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "clients/complaints/outbox_kinds.h"
#include "common/db/create_once.h"
#include "common/db/numbering.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "services/returns/record_json.h"

namespace qms::returns {
namespace {

constexpr char kColumns[] =
    "id, plant, number, customer, complaint, bulk, without_goods, state, record, version, "
    "create_time, update_time, close_time, request_fingerprint";
constexpr char kInsert[] =
    "INSERT INTO returns (plant, number, request_id, request_fingerprint, customer, complaint, "
    "bulk, without_goods, state, record, next_due_time, analysis_archived, version, create_time, "
    "update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 1, ?, ?)";
constexpr char kUpdate[] =
    "UPDATE returns SET state = ?, record = ?, next_due_time = ?, analysis_archived = ?, "
    "version = ?, update_time = ?, close_time = ? WHERE id = ?";
constexpr char kInsertHistory[] =
    "INSERT INTO return_history (return_id, action, actor, from_state, to_state, time, details) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";

struct Row {
  int64_t id = 0;
  Return record;
  std::string fingerprint;
};

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

absl::Status NotFound(const std::string& plant, const std::string& number) {
  return absl::NotFoundError(
      absl::StrCat("plants/", plant, "/returns/", number, " does not exist"));
}

void InsertHistory(db::Connection& c, int64_t id, const std::string& action,
                   const std::string& actor, std::optional<ReturnState> from, ReturnState to,
                   absl::Time now, const std::string& details) {
  auto& insert = c.Prepare(kInsertHistory);
  insert.setInt64(1, id);
  insert.setString(2, action);
  insert.setString(3, actor.substr(0, 128));
  insert.setString(4, from ? std::string(ToString(*from)) : "");
  insert.setString(5, std::string(ToString(to)));
  insert.setString(6, db::ToSqlDateTime(now));
  insert.setString(7, details);
  insert.executeUpdate();
}

std::string QueryText(const ReturnQuery& q) {
  std::string text;
  for (const std::string& s : {q.plant, q.customer, q.part_number, q.complaint}) {
    absl::StrAppend(&text, s.size(), ":", s, ";");
  }
  absl::StrAppend(&text, q.state ? ToString(*q.state) : "", ";", q.bulk ? (*q.bulk ? 1 : 0) : 2,
                  q.overdue_only, q.archived_analysis_only);
  return text;
}

}  // namespace

ReturnStore::ReturnStore(db::ConnectionPool& pool, std::shared_ptr<const PlantCalendars> plants,
                         std::function<void(const std::string& step)> on_step)
    : pool_(pool), plants_(std::move(plants)), on_step_(std::move(on_step)) {}

absl::StatusOr<Return> ReturnStore::Create(const Return& draft, const std::string& request_id,
                                           const std::string& actor) {
  const std::string fingerprint = Fingerprint(draft);
  const auto find =
      [&](db::Connection& c) -> absl::StatusOr<std::optional<db::Fingerprinted<Return>>> {
    auto& select = c.Prepare(
        absl::StrCat("SELECT ", kColumns, " FROM returns WHERE plant = ? AND request_id = ?"));
    select.setString(1, draft.plant);
    select.setString(2, request_id);
    db::Rows rows(select.executeQuery());
    if (!rows.Next()) return std::nullopt;
    QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
    return db::Fingerprinted<Return>{std::move(row.record), std::move(row.fingerprint)};
  };
  const auto create = [&](db::Connection& c) -> absl::StatusOr<Return> {
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(c));
    Outcome registered = Register(draft, Context{actor, now});
    Return& r = registered.record;
    const int year = static_cast<int>(absl::ToCivilYear(now, plants_->Zone(r.plant)).year());
    QMS_ASSIGN_OR_RETURN(const int64_t sequence,
                         db::TakeNumber(c, "return_numbers", r.plant, year));
    r.number = FormatNumber(r.plant, year, sequence);
    auto& insert = c.Prepare(kInsert);
    insert.setString(1, r.plant);
    insert.setString(2, r.number);
    if (request_id.empty()) {
      insert.setNull(3, sql::DataType::VARCHAR);
    } else {
      insert.setString(3, request_id);
    }
    insert.setString(4, fingerprint);
    insert.setString(5, r.customer);
    insert.setString(6, r.complaint);
    insert.setBoolean(7, r.bulk);
    insert.setBoolean(8, r.without_goods);
    insert.setString(9, std::string(ToString(r.state)));
    insert.setString(10, RecordToJson(r));
    db::BindOptionalTime(insert, 11, NextDue(r));
    insert.setString(12, db::ToSqlDateTime(now));
    insert.setString(13, db::ToSqlDateTime(now));
    insert.executeUpdate();
    db::Rows id(c.Prepare("SELECT LAST_INSERT_ID() AS id").executeQuery());
    const int64_t row_id = id.Next() ? id.Int64("id") : 0;
    QMS_RETURN_IF_ERROR(id.status());
    std::set<std::string> parts;
    for (const Line& l : r.lines) parts.insert(l.part_number);
    for (const std::string& part : parts) {
      auto& add = c.Prepare("INSERT INTO return_parts (return_id, part_number) VALUES (?, ?)");
      add.setInt64(1, row_id);
      add.setString(2, part);
      add.executeUpdate();
    }
    InsertHistory(c, row_id, "CreateReturn", actor, std::nullopt, r.state, now, RecordToJson(r));
    outbox::EnqueueTimers(c, r.plant, registered.timers, now);
    if (!r.complaint.empty()) {
      outbox::Message link;
      link.kind = clients::kRecordReturnKind;
      link.plant = r.plant;
      link.subject = r.complaint;
      link.detail = ResourceName(r);
      link.customer = r.customer;
      outbox::EnqueueAll(c, {link}, now);
    }
    return r;
  };
  bool created = false;
  auto made = db::CreateOnce<Return>(pool_, request_id, fingerprint, "return", find,
                                     [&](db::Connection& c) -> absl::StatusOr<Return> {
                                       created = true;
                                       return create(c);
                                     });
  if (made.ok() && created && on_step_) on_step_("CreateReturn");
  return made;
}

absl::StatusOr<Return> ReturnStore::Get(const std::string& plant, const std::string& number) {
  std::optional<Return> found;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(
        absl::StrCat("SELECT ", kColumns, " FROM returns WHERE plant = ? AND number = ?"));
    select.setString(1, plant);
    select.setString(2, number);
    db::Rows rows(select.executeQuery());
    if (!rows.Next()) return absl::OkStatus();
    QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
    found = std::move(row.record);
    return absl::OkStatus();
  }));
  if (!found) return NotFound(plant, number);
  return *std::move(found);
}

absl::StatusOr<ReturnPage> ReturnStore::List(const ReturnQuery& q) {
  QMS_ASSIGN_OR_RETURN(const int64_t after_id, DecodePageToken(q.page_token, QueryText(q)));
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM returns r WHERE plant = ?");
  if (!q.customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  if (!q.part_number.empty()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM return_parts p WHERE p.return_id = r.id AND "
                    "p.part_number = ?)");
  }
  if (q.state) absl::StrAppend(&sql, " AND state = ?");
  if (!q.complaint.empty()) absl::StrAppend(&sql, " AND complaint = ?");
  if (q.bulk) absl::StrAppend(&sql, " AND bulk = ?");
  if (q.overdue_only) absl::StrAppend(&sql, " AND next_due_time < UTC_TIMESTAMP(6)");
  if (q.archived_analysis_only) absl::StrAppend(&sql, " AND analysis_archived");
  if (after_id > 0) absl::StrAppend(&sql, " AND id < ?");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  ReturnPage page;
  int64_t last_id = 0;
  bool more = false;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(page.now, db::Now(c));
    auto& select = c.Prepare(sql);
    int i = 1;
    select.setString(i++, q.plant);
    if (!q.customer.empty()) select.setString(i++, q.customer);
    if (!q.part_number.empty()) select.setString(i++, q.part_number);
    if (q.state) select.setString(i++, std::string(ToString(*q.state)));
    if (!q.complaint.empty()) select.setString(i++, q.complaint);
    if (q.bulk) select.setBoolean(i++, *q.bulk);
    if (after_id > 0) select.setInt64(i++, after_id);
    select.setInt(i++, q.page_size + 1);
    db::Rows rows(select.executeQuery());
    while (rows.Next()) {
      if (static_cast<int>(page.returns.size()) == q.page_size) {
        more = true;
        break;
      }
      QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
      last_id = row.id;
      page.returns.push_back(std::move(row.record));
    }
    return absl::OkStatus();
  }));
  if (more) page.next_page_token = EncodePageToken(last_id, QueryText(q));
  return page;
}

absl::StatusOr<HistoryPage> ReturnStore::History(const std::string& plant,
                                                 const std::string& number, int page_size,
                                                 const std::string& page_token) {
  const std::string query = absl::StrCat(plant, "/", number);
  QMS_ASSIGN_OR_RETURN(const int64_t after_id, DecodePageToken(page_token, query));
  HistoryPage page;
  bool exists = false;
  bool more = false;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& find = c.Prepare("SELECT id FROM returns WHERE plant = ? AND number = ?");
    find.setString(1, plant);
    find.setString(2, number);
    db::Rows found(find.executeQuery());
    exists = found.Next();
    if (!exists) return found.status();
    const int64_t return_id = found.Int64("id");
    QMS_RETURN_IF_ERROR(found.status());
    auto& select = c.Prepare(
        "SELECT id, action, actor, from_state, to_state, time, details FROM return_history "
        "WHERE return_id = ? AND id > ? ORDER BY id LIMIT ?");
    select.setInt64(1, return_id);
    select.setInt64(2, after_id);
    select.setInt(3, page_size + 1);
    db::Rows rows(select.executeQuery());
    while (rows.Next()) {
      if (static_cast<int>(page.entries.size()) == page_size) {
        more = true;
        break;
      }
      HistoryEntry& e = page.entries.emplace_back();
      e.sequence = rows.Int64("id");
      e.action = rows.String("action");
      e.actor = rows.String("actor");
      e.from_state = ReturnStateFromString(rows.String("from_state"));
      auto to = ReturnStateFromString(rows.String("to_state"));
      if (!to) return absl::InternalError("unknown state in return history");
      e.to_state = *to;
      e.time = rows.Time("time");
      e.details = rows.String("details");
    }
    return rows.status();
  }));
  if (!exists) return NotFound(plant, number);
  if (more) page.next_page_token = EncodePageToken(page.entries.back().sequence, query);
  return page;
}

absl::StatusOr<Return> ReturnStore::ApplyStep(const std::string& plant, const std::string& number,
                                              const std::string& etag, const Step& step,
                                              const std::string& actor) {
  Return result;
  bool changed = false;
  QMS_RETURN_IF_ERROR(db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    changed = false;
    auto& lock = c.Prepare(absl::StrCat("SELECT ", kColumns,
                                        ", UTC_TIMESTAMP(6) AS now FROM returns WHERE plant = ? "
                                        "AND number = ? FOR UPDATE"));
    lock.setString(1, plant);
    lock.setString(2, number);
    db::Rows rows(lock.executeQuery());
    if (!rows.Next()) return NotFound(plant, number);
    QMS_ASSIGN_OR_RETURN(const Row row, ReadRow(rows));
    const absl::Time now = rows.Time("now");
    QMS_RETURN_IF_ERROR(rows.status());
    const Return& before = row.record;
    if (!etag.empty() && etag != absl::StrCat(before.version)) {
      return absl::AbortedError(absl::StrCat("etag ", etag, " is stale: the return is at ",
                                             before.version, "; read it again"));
    }
    QMS_ASSIGN_OR_RETURN(Outcome outcome, Apply(before, step, Context{actor, now}));
    if (outcome.unchanged) {
      result = before;
      return absl::OkStatus();
    }
    Return& after = outcome.record;
    after.version = before.version + 1;
    after.update_time = now;
    auto& update = c.Prepare(kUpdate);
    update.setString(1, std::string(ToString(after.state)));
    update.setString(2, RecordToJson(after));
    db::BindOptionalTime(update, 3, NextDue(after));
    update.setBoolean(4, after.analysis && after.analysis->archive_time.has_value());
    update.setInt64(5, after.version);
    update.setString(6, db::ToSqlDateTime(now));
    db::BindOptionalTime(update, 7, after.close_time);
    update.setInt64(8, row.id);
    update.executeUpdate();
    InsertHistory(c, row.id, StepName(step), actor, before.state, after.state, now,
                  StepDetails(step));
    outbox::EnqueueTimers(c, plant, outcome.timers, now);
    result = std::move(after);
    changed = true;
    return absl::OkStatus();
  }));
  if (changed && on_step_) on_step_(StepName(step));
  return result;
}

absl::StatusOr<std::vector<Return>> ReturnStore::CreatedBetween(const std::string& plant,
                                                                const std::string& customer,
                                                                absl::Time from, absl::Time to) {
  std::string sql = absl::StrCat("SELECT ", kColumns,
                                 " FROM returns WHERE plant = ? AND create_time >= ? AND "
                                 "create_time < ?");
  if (!customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  std::vector<Return> out;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(sql);
    select.setString(1, plant);
    select.setString(2, db::ToSqlDateTime(from));
    select.setString(3, db::ToSqlDateTime(to));
    if (!customer.empty()) select.setString(4, customer);
    db::Rows rows(select.executeQuery());
    while (rows.Next()) {
      QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
      out.push_back(std::move(row.record));
    }
    return rows.status();
  }));
  return out;
}

absl::StatusOr<server::RecordCounts> ReturnStore::Count() {
  server::RecordCounts counts;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    db::Rows open(c.Prepare("SELECT plant, state, COUNT(*) AS n FROM returns WHERE state <> "
                            "'CLOSED' GROUP BY plant, state")
                      .executeQuery());
    while (open.Next()) {
      counts.open.push_back({open.String("plant"), open.String("state"), open.Int64("n")});
    }
    QMS_RETURN_IF_ERROR(open.status());
    db::Rows overdue(c.Prepare("SELECT plant, COUNT(*) AS n FROM returns WHERE next_due_time < "
                               "UTC_TIMESTAMP(6) GROUP BY plant")
                         .executeQuery());
    while (overdue.Next()) counts.overdue.emplace_back(overdue.String("plant"), overdue.Int64("n"));
    return overdue.status();
  }));
  return counts;
}

}  // namespace qms::returns
