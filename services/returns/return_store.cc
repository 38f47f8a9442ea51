#include "services/returns/return_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "services/returns/record_json.h"
#include "services/returns/return_rows.h"

namespace qms::returns {
namespace {

constexpr char kUpdate[] =
    "UPDATE returns SET state = ?, record = ?, next_due_time = ?, analysis_archived = ?, "
    "version = ?, update_time = ?, close_time = ? WHERE id = ?";

absl::Status NotFound(const std::string& plant, const std::string& number) {
  return absl::NotFoundError(
      absl::StrCat("plants/", plant, "/returns/", number, " does not exist"));
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

absl::StatusOr<Return> ReturnStore::Get(const std::string& plant, const std::string& number) {
  std::optional<Return> found;
  QMS_RETURN_IF_ERROR(db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(
        absl::StrCat("SELECT ", kReturnColumns, " FROM returns WHERE plant = ? AND number = ?"));
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
  std::string sql = absl::StrCat("SELECT ", kReturnColumns, " FROM returns r WHERE plant = ?");
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
    QMS_ASSIGN_OR_RETURN(more, db::ReadPage(
                                   rows, q.page_size,
                                   [&](db::Rows& r) -> absl::StatusOr<Return> {
                                     QMS_ASSIGN_OR_RETURN(Row row, ReadRow(r));
                                     last_id = row.id;
                                     return std::move(row.record);
                                   },
                                   page.returns));
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
    const auto read = [](db::Rows& r) {
      return db::ReadHistoryEntry(r, "from_state", "to_state", &ReturnStateFromString);
    };
    QMS_ASSIGN_OR_RETURN(more, db::ReadPage(rows, page_size, read, page.entries));
    return absl::OkStatus();
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
    auto& lock = c.Prepare(absl::StrCat("SELECT ", kReturnColumns,
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
  std::string sql = absl::StrCat("SELECT ", kReturnColumns,
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
