#include "services/complaints/audit_finding_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/db/create_once.h"
#include "common/db/periods.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/page_token.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace qms::complaints {
namespace {

constexpr char kColumns[] =
    "id, plant, status, customer, audited_area, finding, owner, raised_time, countermeasure, "
    "countermeasure_time, root_cause, long_term_action, analysis_time, closing_notes, close_time, "
    "version, create_time, update_time, request_fingerprint";
constexpr char kInsert[] =
    "INSERT INTO audit_findings (plant, request_id, request_fingerprint, status, customer, "
    "audited_area, finding, owner, raised_time, countermeasure, countermeasure_due, root_cause, "
    "long_term_action, analysis_due, closing_notes, close_due, version, create_time, update_time) "
    "VALUES (?, ?, ?, 'OPEN', ?, ?, ?, ?, ?, '', ?, '', '', ?, '', ?, 1, ?, ?)";
constexpr char kUpdate[] =
    "UPDATE audit_findings SET status = ?, countermeasure = ?, countermeasure_time = ?, "
    "root_cause = ?, long_term_action = ?, analysis_time = ?, closing_notes = ?, close_time = ?, "
    "version = ?, update_time = ? WHERE id = ?";
// Late at any stage: done after its due time, or not done and past it.
constexpr char kLate[] =
    "(COALESCE(countermeasure_time, ?) > countermeasure_due OR "
    "COALESCE(analysis_time, ?) > analysis_due OR COALESCE(close_time, ?) > close_due)";

std::string Fingerprint(const AuditFinding& f) {
  std::string text;
  for (const std::string& s :
       {f.plant, f.customer, f.audited_area, f.finding, f.owner, absl::FormatTime(f.raised_time)}) {
    absl::StrAppend(&text, s.size(), ":", s, ";");
  }
  return Sha256Hex(text);
}

absl::StatusOr<std::pair<AuditFinding, std::string>> ReadRow(db::Rows& r) {
  AuditFinding f;
  f.id = r.Int64("id");
  f.plant = r.String("plant");
  auto status = FindingStatusFromString(r.String("status"));
  if (!status) return absl::InternalError("unknown finding status in database");
  f.status = *status;
  f.customer = r.String("customer");
  f.audited_area = r.String("audited_area");
  f.finding = r.String("finding");
  f.owner = r.String("owner");
  f.raised_time = r.Time("raised_time");
  f.countermeasure = r.String("countermeasure");
  f.countermeasure_time = r.OptionalTime("countermeasure_time");
  f.root_cause = r.String("root_cause");
  f.long_term_action = r.String("long_term_action");
  f.analysis_time = r.OptionalTime("analysis_time");
  f.closing_notes = r.String("closing_notes");
  f.close_time = r.OptionalTime("close_time");
  f.version = r.Int64("version");
  f.create_time = r.Time("create_time");
  f.update_time = r.Time("update_time");
  std::string fingerprint = r.String("request_fingerprint");
  QMS_RETURN_IF_ERROR(r.status());
  return std::make_pair(std::move(f), std::move(fingerprint));
}

std::string QueryText(const FindingQuery& q) {
  return absl::StrCat(q.plant, ";", q.status ? ToString(*q.status) : "", ";", q.customer.size(),
                      ":", q.customer, ";", q.blacklisted_only);
}

}  // namespace

AuditFindingStore::AuditFindingStore(db::ConnectionPool& pool) : pool_(pool) {}

absl::StatusOr<AuditFinding> AuditFindingStore::Create(const AuditFinding& finding,
                                                       const std::string& request_id) {
  const std::string fingerprint = Fingerprint(finding);
  const auto find =
      [&](db::Connection& c) -> absl::StatusOr<std::optional<db::Fingerprinted<AuditFinding>>> {
    auto& select = c.Prepare(absl::StrCat(
        "SELECT ", kColumns, " FROM audit_findings WHERE plant = ? AND request_id = ?"));
    select.setString(1, finding.plant);
    select.setString(2, request_id);
    db::Rows rows(select.executeQuery());
    if (!rows.Next()) return std::nullopt;
    QMS_ASSIGN_OR_RETURN(auto row, ReadRow(rows));
    return db::Fingerprinted<AuditFinding>{std::move(row.first), std::move(row.second)};
  };
  const auto create = [&](db::Connection& c) -> absl::StatusOr<AuditFinding> {
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(c));
    AuditFinding created = finding;
    if (created.raised_time == absl::InfinitePast()) created.raised_time = now;
    created.status = FindingStatus::kOpen;
    created.version = 1;
    created.create_time = created.update_time = now;
    auto& insert = c.Prepare(kInsert);
    insert.setString(1, created.plant);
    if (request_id.empty()) {
      insert.setNull(2, sql::DataType::VARCHAR);
    } else {
      insert.setString(2, request_id);
    }
    insert.setString(3, fingerprint);
    insert.setString(4, created.customer);
    insert.setString(5, created.audited_area);
    insert.setString(6, created.finding);
    insert.setString(7, created.owner);
    insert.setString(8, db::ToSqlDateTime(created.raised_time));
    insert.setString(9, db::ToSqlDateTime(DueTime(created, FindingStage::kCountermeasure)));
    insert.setString(10, db::ToSqlDateTime(DueTime(created, FindingStage::kAnalysis)));
    insert.setString(11, db::ToSqlDateTime(DueTime(created, FindingStage::kClosure)));
    insert.setString(12, db::ToSqlDateTime(now));
    insert.setString(13, db::ToSqlDateTime(now));
    insert.executeUpdate();
    db::Rows id(c.Prepare("SELECT LAST_INSERT_ID() AS id").executeQuery());
    if (id.Next()) created.id = id.Int64("id");
    QMS_RETURN_IF_ERROR(id.status());
    outbox::EnqueueTimers(c, created.plant, {FindingTimer(created)}, now);
    return created;
  };
  return db::CreateOnce<AuditFinding>(pool_, request_id, fingerprint, "audit finding", find,
                                      create);
}

absl::StatusOr<AuditFinding> AuditFindingStore::Get(const std::string& plant, int64_t id) {
  std::optional<AuditFinding> found;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(
        absl::StrCat("SELECT ", kColumns, " FROM audit_findings WHERE plant = ? AND id = ?"));
    select.setString(1, plant);
    select.setInt64(2, id);
    db::Rows rows(select.executeQuery());
    if (!rows.Next()) return absl::OkStatus();
    auto row = ReadRow(rows);
    if (!row.ok()) return row.status();
    found = std::move(row->first);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("plants/", plant, "/auditFindings/", id, " does not exist"));
  }
  return *found;
}

absl::StatusOr<FindingPage> AuditFindingStore::List(const FindingQuery& q) {
  auto after_id = DecodePageToken(q.page_token, QueryText(q));
  if (!after_id.ok()) return after_id.status();
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM audit_findings WHERE plant = ?");
  if (q.status) absl::StrAppend(&sql, " AND status = ?");
  if (!q.customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  if (q.blacklisted_only) absl::StrAppend(&sql, " AND ", kLate);
  if (*after_id > 0) absl::StrAppend(&sql, " AND id < ?");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  FindingPage page;
  bool more = false;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(c));
    page.now = now;
    auto& select = c.Prepare(sql);
    int i = 1;
    select.setString(i++, q.plant);
    if (q.status) select.setString(i++, std::string(ToString(*q.status)));
    if (!q.customer.empty()) select.setString(i++, q.customer);
    if (q.blacklisted_only) {
      for (int k = 0; k < 3; ++k) select.setString(i++, db::ToSqlDateTime(now));
    }
    if (*after_id > 0) select.setInt64(i++, *after_id);
    select.setInt(i++, q.page_size + 1);
    db::Rows rows(select.executeQuery());
    QMS_ASSIGN_OR_RETURN(more, db::ReadPage(
                                   rows, q.page_size,
                                   [](db::Rows& r) -> absl::StatusOr<AuditFinding> {
                                     QMS_ASSIGN_OR_RETURN(auto row, ReadRow(r));
                                     return std::move(row.first);
                                   },
                                   page.findings));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (more) page.next_page_token = EncodePageToken(page.findings.back().id, QueryText(q));
  return page;
}

absl::StatusOr<AuditFinding> AuditFindingStore::Apply(const std::string& plant, int64_t id,
                                                      const std::string& etag, const Move& move) {
  AuditFinding result;
  absl::Status status = db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    auto& lock = c.Prepare(absl::StrCat("SELECT ", kColumns,
                                        ", UTC_TIMESTAMP(6) AS now FROM audit_findings "
                                        "WHERE plant = ? "
                                        "AND id = ? FOR UPDATE"));
    lock.setString(1, plant);
    lock.setInt64(2, id);
    db::Rows rows(lock.executeQuery());
    if (!rows.Next()) {
      return absl::NotFoundError(
          absl::StrCat("plants/", plant, "/auditFindings/", id, " does not exist"));
    }
    auto row = ReadRow(rows);
    if (!row.ok()) return row.status();
    const absl::Time now = rows.Time("now");
    QMS_RETURN_IF_ERROR(rows.status());
    const AuditFinding& before = row->first;
    if (!etag.empty() && etag != absl::StrCat(before.version)) {
      return absl::AbortedError(absl::StrCat("etag ", etag, " is stale: the finding is at ",
                                             before.version, "; read it again"));
    }
    auto outcome = move(before, now);
    if (!outcome.ok()) return outcome.status();
    AuditFinding& after = outcome->finding;
    after.version = before.version + 1;
    after.update_time = now;
    auto& update = c.Prepare(kUpdate);
    update.setString(1, std::string(ToString(after.status)));
    update.setString(2, after.countermeasure);
    db::BindOptionalTime(update, 3, after.countermeasure_time);
    update.setString(4, after.root_cause);
    update.setString(5, after.long_term_action);
    db::BindOptionalTime(update, 6, after.analysis_time);
    update.setString(7, after.closing_notes);
    db::BindOptionalTime(update, 8, after.close_time);
    update.setInt64(9, after.version);
    update.setString(10, db::ToSqlDateTime(now));
    update.setInt64(11, after.id);
    update.executeUpdate();
    outbox::EnqueueTimers(c, after.plant, outcome->timers, now);
    result = after;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<PeriodSummary>> AuditFindingStore::Summary(const std::string& plant,
                                                                      const db::Periods& periods) {
  std::vector<PeriodSummary> summary;
  if (periods.labels.empty()) return summary;
  // Late (on the blacklist) as the ledger's filter says; closed on time: closed and not late.
  const std::string closed = absl::StrCat("status = '", ToString(FindingStatus::kClosed), "'");
  const std::string sql = absl::StrCat(
      "SELECT ", db::PeriodIndexSql("raised_time", periods), " AS period, COUNT(*) AS raised, SUM(",
      closed, ") AS closed, SUM(", closed, " AND NOT ", kLate, ") AS closed_on_time, SUM(", kLate,
      ") AS blacklisted FROM audit_findings WHERE plant = ? AND raised_time >= ? AND "
      "raised_time < ? GROUP BY period ORDER BY period");
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    summary.clear();
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(c));
    auto& select = c.Prepare(sql);
    int i = db::BindPeriodIndex(select, 1, periods);
    for (int k = 0; k < 6; ++k) select.setString(i++, db::ToSqlDateTime(now));  // kLate twice
    select.setString(i++, plant);
    select.setString(i++, db::ToSqlDateTime(periods.bounds.front()));
    select.setString(i++, db::ToSqlDateTime(periods.bounds.back()));
    db::Rows rows(select.executeQuery());
    while (rows.Next()) {
      PeriodSummary& p = summary.emplace_back();
      p.period = periods.labels.at(rows.Int64("period"));
      p.raised = static_cast<int>(rows.Int64("raised"));
      p.closed = static_cast<int>(rows.Int64("closed"));
      p.closed_on_time = static_cast<int>(rows.Int64("closed_on_time"));
      p.blacklisted = static_cast<int>(rows.Int64("blacklisted"));
    }
    return rows.status();
  });
  if (!status.ok()) return status;
  return summary;
}

}  // namespace qms::complaints
