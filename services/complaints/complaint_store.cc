#include "services/complaints/complaint_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/db/periods.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "services/complaints/complaint_rows.h"
#include "services/complaints/record_json.h"

namespace qms::complaints {
namespace {

const std::string kSelectByNumber =
    absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE plant = ? AND number = ?");
const std::string kLockByNumber =
    absl::StrCat("SELECT ", kColumns,
                 ", UTC_TIMESTAMP(6) AS now FROM complaints WHERE plant = ? AND number = ? "
                 "FOR UPDATE");
constexpr char kUpdate[] =
    "UPDATE complaints SET status = ?, record = ?, contain_time = ?, reply_time = ?, "
    "close_time = ?, improvement_date = ?, reopened_as = ?, version = ?, update_time = ?, "
    "serious_reasons = ?, goods_returned = ? WHERE id = ?";
// A return is recorded once: a repeat (the returns service's relay sends again after a crash)
// finds its row and changes nothing.
constexpr char kRecordReturn[] =
    "INSERT IGNORE INTO complaint_returns (complaint_id, return_name, create_time) "
    "VALUES (?, ?, ?)";
std::string ListFingerprint(const ListQuery& q) {
  return absl::StrCat(q.plant.size(), ":", q.plant, ";", q.customer.size(), ":", q.customer, ";",
                      q.status ? ToString(*q.status) : "", ";",
                      q.received_after ? absl::FormatTime(*q.received_after) : "", ";",
                      q.received_before ? absl::FormatTime(*q.received_before) : "", ";",
                      q.overdue_only ? "overdue" : "");
}

// The containment window as SQL: "INTERVAL 86400 SECOND".
const std::string kContainmentInterval =
    absl::StrCat("INTERVAL ", absl::ToInt64Seconds(kContainmentWindow), " SECOND");

// An open complaint whose containment or corrective action is past due on the database clock:
// the overdue filter of a list, the overdue gauge and the statistics' overdue count.
const std::string kOverdue = absl::StrCat(
    "status NOT IN ('CLOSED', 'REOPENED') AND ((contain_time IS NULL AND received_time + ",
    kContainmentInterval,
    " < UTC_TIMESTAMP(6)) OR (reply_time IS NULL AND corrective_action_due < "
    "UTC_TIMESTAMP(6)))");

}  // namespace

absl::StatusOr<Complaint> ComplaintStore::Get(const std::string& plant, const std::string& number) {
  std::optional<Row> row;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(kSelectByNumber);
    select.setString(1, plant);
    select.setString(2, number);
    auto found = ReadOne(select);
    if (!found.ok()) return found.status();
    row = std::move(*found);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat("plants/", plant, "/complaints/", number, " does not exist"));
  }
  return std::move(row->complaint);
}

absl::StatusOr<ComplaintPage> ComplaintStore::List(const ListQuery& q) {
  auto after_id = DecodePageToken(q.page_token, ListFingerprint(q));
  if (!after_id.ok()) return after_id.status();

  // One statement text per combination of filters, so each is prepared once per connection.
  // Without a filter that has an index of its own, the plant's rows newest first come straight
  // from (plant, id): the optimiser would otherwise walk the primary key backwards through
  // other plants' rows when the plant is a large share of the table.
  const bool plant_order =
      q.customer.empty() && !q.status && !q.received_after && !q.received_before;
  std::string sql =
      absl::StrCat("SELECT ", kColumns, " FROM complaints",
                   plant_order ? " FORCE INDEX (complaints_plant)" : "", " WHERE plant = ?");
  if (!q.customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  if (q.status) absl::StrAppend(&sql, " AND status = ?");
  if (q.received_after) absl::StrAppend(&sql, " AND received_time >= ?");
  if (q.received_before) absl::StrAppend(&sql, " AND received_time < ?");
  if (q.overdue_only) absl::StrAppend(&sql, " AND ", kOverdue);
  if (*after_id > 0) absl::StrAppend(&sql, " AND id < ?");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");

  ComplaintPage page;
  int64_t last_id = 0;
  bool more = false;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(sql);
    int i = 1;
    select.setString(i++, q.plant);
    if (!q.customer.empty()) select.setString(i++, q.customer);
    if (q.status) select.setString(i++, std::string(ToString(*q.status)));
    if (q.received_after) select.setString(i++, db::ToSqlDateTime(*q.received_after));
    if (q.received_before) select.setString(i++, db::ToSqlDateTime(*q.received_before));
    if (*after_id > 0) select.setInt64(i++, *after_id);
    select.setInt(i++, q.page_size + 1);
    db::Rows rows(select.executeQuery());
    QMS_ASSIGN_OR_RETURN(more, db::ReadPage(
                                   rows, q.page_size,
                                   [&](db::Rows& r) -> absl::StatusOr<Complaint> {
                                     QMS_ASSIGN_OR_RETURN(Row row, ReadRow(r));
                                     last_id = row.id;
                                     return std::move(row.complaint);
                                   },
                                   page.complaints));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (more) page.next_page_token = EncodePageToken(last_id, ListFingerprint(q));
  return page;
}

absl::StatusOr<Complaint> ComplaintStore::ApplyStep(const std::string& plant,
                                                    const std::string& number,
                                                    const std::string& etag, const Step& step,
                                                    const Actor& actor) {
  const absl::TimeZone zone = options_.plants->Zone(plant);
  Complaint result;
  bool changed = false;
  absl::Status status = db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    changed = false;
    auto& lock = c.Prepare(kLockByNumber);
    lock.setString(1, plant);
    lock.setString(2, number);
    db::Rows rows(lock.executeQuery());
    if (!rows.Next()) {
      return absl::NotFoundError(
          absl::StrCat("plants/", plant, "/complaints/", number, " does not exist"));
    }
    QMS_ASSIGN_OR_RETURN(const Row row, ReadRow(rows));
    const absl::Time now = rows.Time("now");
    QMS_RETURN_IF_ERROR(rows.status());
    const Complaint& before = row.complaint;
    if (!etag.empty() && etag != Etag(before)) {
      return absl::AbortedError(absl::StrCat("etag ", etag, " is stale: the complaint is at ",
                                             Etag(before), "; read it again"));
    }
    if (const auto* record = std::get_if<RecordReturnStep>(&step)) {
      auto& once = c.Prepare(kRecordReturn);
      once.setInt64(1, row.id);
      once.setString(2, record->return_name);
      once.setString(3, db::ToSqlDateTime(now));
      if (once.executeUpdate() == 0) {
        result = before;
        return absl::OkStatus();
      }
    }
    auto outcome = Apply(before, step, Context{actor, now, zone});
    if (!outcome.ok()) return outcome.status();
    Complaint& after = outcome->complaint;
    after.version = before.version + 1;
    after.update_time = now;

    auto& update = c.Prepare(kUpdate);
    update.setString(1, std::string(ToString(after.status)));
    update.setString(2, RecordToJson(after));
    db::BindOptionalTime(update, 3, after.contain_time);
    db::BindOptionalTime(update, 4, after.reply_time);
    db::BindOptionalTime(update, 5, after.close_time);
    BindOptionalText(update, 6, after.improvement_date, sql::DataType::DATE);
    update.setString(7, after.reopened_as);
    update.setInt64(8, after.version);
    update.setString(9, db::ToSqlDateTime(now));
    update.setString(10, SeriousText(after.serious_reasons));
    update.setBoolean(11, after.intake.goods_returned);
    update.setInt64(12, row.id);
    update.executeUpdate();
    std::string details = Changes(before, after);
    if (const auto* record = std::get_if<RecordReturnStep>(&step)) {
      auto with_return = nlohmann::json::parse(details);
      with_return["return"] = record->return_name;
      details = with_return.dump();
    }
    InsertHistory(c, after, StepName(step), actor, before.status, now, details);
    outbox::EnqueueTimers(c, plant, outcome->timers, now);
    result = after;

    if (std::holds_alternative<ReopenStep>(step)) {
      Complaint next = ContinuationOf(before, now, options_.plants->CalendarOf(plant));
      InsertComplaint(c, next, "", Fingerprint(plant, next.intake));
      InsertHistory(c, next, "CreateComplaint", actor, std::nullopt, now, IntakeDetails(next));
      outbox::EnqueueTimers(c, plant, IntakeTimers(next), now);
      result = std::move(next);
    }
    changed = true;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (changed && options_.on_step) options_.on_step(StepName(step));
  return result;
}

absl::StatusOr<std::vector<MonthlyFigures>> ComplaintStore::Statistics(const std::string& plant,
                                                                       const std::string& customer,
                                                                       absl::CivilMonth from,
                                                                       absl::CivilMonth to) {
  const absl::TimeZone zone = options_.plants->Zone(plant);
  const db::Periods months = db::PlantPeriods(
      absl::FromCivil(from, zone), absl::FromCivil(to + 1, zone), zone, db::PeriodKind::kMonth);
  // One row per month and customer, counted by the database over the plant's received-time
  // index; the same rules as the overdue gauge and the lifecycle's deadlines.
  std::string sql = absl::StrCat(
      "SELECT ", db::PeriodIndexSql("received_time", months),
      " AS month, customer, COUNT(*) AS received, SUM(serious_reasons <> '') AS serious, "
      "SUM(contain_time IS NOT NULL OR received_time + ",
      kContainmentInterval,
      " < UTC_TIMESTAMP(6)) AS containment_due, "
      "SUM(contain_time IS NOT NULL AND contain_time <= received_time + ",
      kContainmentInterval,
      ") AS contained_on_time, "
      "SUM(reply_time IS NOT NULL OR corrective_action_due < UTC_TIMESTAMP(6)) AS ca_due, "
      "SUM(reply_time IS NOT NULL AND reply_time <= corrective_action_due) AS ca_on_time, "
      "SUM(status NOT IN ('CLOSED', 'REOPENED')) AS open, SUM(",
      kOverdue,
      ") AS overdue FROM complaints WHERE plant = ? AND received_time >= ? AND "
      "received_time < ?");
  if (!customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  absl::StrAppend(&sql, " GROUP BY month, customer ORDER BY month, customer");
  std::vector<MonthlyFigures> figures;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    figures.clear();
    auto& select = c.Prepare(sql);
    int i = db::BindPeriodIndex(select, 1, months);
    select.setString(i++, plant);
    select.setString(i++, db::ToSqlDateTime(months.bounds.front()));
    select.setString(i++, db::ToSqlDateTime(months.bounds.back()));
    if (!customer.empty()) select.setString(i++, customer);
    db::Rows rows(select.executeQuery());
    while (rows.Next()) {
      MonthlyFigures& f = figures.emplace_back();
      f.month = months.labels.at(rows.Int64("month"));
      f.customer = rows.String("customer");
      f.received = static_cast<int>(rows.Int64("received"));
      f.serious = static_cast<int>(rows.Int64("serious"));
      f.containment_due = static_cast<int>(rows.Int64("containment_due"));
      f.contained_on_time = static_cast<int>(rows.Int64("contained_on_time"));
      f.corrective_action_due = static_cast<int>(rows.Int64("ca_due"));
      f.corrective_action_on_time = static_cast<int>(rows.Int64("ca_on_time"));
      f.open = static_cast<int>(rows.Int64("open"));
      f.overdue = static_cast<int>(rows.Int64("overdue"));
    }
    return rows.status();
  });
  if (!status.ok()) return status;
  return figures;
}

absl::StatusOr<server::RecordCounts> ComplaintStore::Count() {
  server::RecordCounts counts;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    db::Rows open(c.Prepare("SELECT plant, status, COUNT(*) AS n FROM complaints WHERE status "
                            "NOT IN ('CLOSED', 'REOPENED') GROUP BY plant, status")
                      .executeQuery());
    while (open.Next()) {
      counts.open.push_back({open.String("plant"), open.String("status"), open.Int64("n")});
    }
    QMS_RETURN_IF_ERROR(open.status());
    db::Rows overdue(c.Prepare(absl::StrCat("SELECT plant, COUNT(*) AS n FROM complaints WHERE ",
                                            kOverdue, " GROUP BY plant"))
                         .executeQuery());
    while (overdue.Next()) counts.overdue.emplace_back(overdue.String("plant"), overdue.Int64("n"));
    return overdue.status();
  });
  if (!status.ok()) return status;
  return counts;
}

}  // namespace qms::complaints
