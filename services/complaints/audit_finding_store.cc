#include "services/complaints/audit_finding_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/page_token.h"
#include "common/sha256.h"

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

absl::StatusOr<std::optional<absl::Time>> OptionalTime(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::optional<absl::Time>();
  auto t = db::FromSqlDateTime(std::string(rs.getString(column)));
  if (!t.ok()) return t.status();
  return std::optional<absl::Time>(*t);
}

absl::StatusOr<std::pair<AuditFinding, std::string>> ReadRow(sql::ResultSet& rs) {
  AuditFinding f;
  f.id = rs.getInt64(1);
  f.plant = rs.getString(2);
  auto status = FindingStatusFromString(std::string(rs.getString(3)));
  if (!status) return absl::InternalError("unknown finding status in database");
  f.status = *status;
  f.customer = rs.getString(4);
  f.audited_area = rs.getString(5);
  f.finding = rs.getString(6);
  f.owner = rs.getString(7);
  f.countermeasure = rs.getString(9);
  f.root_cause = rs.getString(11);
  f.long_term_action = rs.getString(12);
  f.closing_notes = rs.getString(14);
  f.version = rs.getInt64(16);
  auto raised = db::FromSqlDateTime(std::string(rs.getString(8)));
  auto created = db::FromSqlDateTime(std::string(rs.getString(17)));
  auto updated = db::FromSqlDateTime(std::string(rs.getString(18)));
  auto countermeasure = OptionalTime(rs, 10);
  auto analysis = OptionalTime(rs, 13);
  auto closed = OptionalTime(rs, 15);
  for (const absl::Status& s : {raised.status(), created.status(), updated.status(),
                                countermeasure.status(), analysis.status(), closed.status()}) {
    if (!s.ok()) return s;
  }
  f.raised_time = *raised;
  f.create_time = *created;
  f.update_time = *updated;
  f.countermeasure_time = *countermeasure;
  f.analysis_time = *analysis;
  f.close_time = *closed;
  return std::make_pair(std::move(f), std::string(rs.getString(19)));
}

absl::StatusOr<absl::Time> DatabaseNow(db::Connection& c) {
  std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT UTC_TIMESTAMP(6)").executeQuery());
  rs->next();
  return db::FromSqlDateTime(std::string(rs->getString(1)));
}

void SetTime(sql::PreparedStatement& s, int index, const std::optional<absl::Time>& t) {
  if (t) {
    s.setString(index, db::ToSqlDateTime(*t));
  } else {
    s.setNull(index, sql::DataType::TIMESTAMP);
  }
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
  AuditFinding created;
  auto find_retry = [&](db::Connection& c) -> absl::StatusOr<bool> {
    auto& select = c.Prepare(absl::StrCat(
        "SELECT ", kColumns, " FROM audit_findings WHERE plant = ? AND request_id = ?"));
    select.setString(1, finding.plant);
    select.setString(2, request_id);
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    if (!rs->next()) return false;
    auto row = ReadRow(*rs);
    if (!row.ok()) return row.status();
    if (row->second != fingerprint) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id ", request_id, " was used for a different audit finding"));
    }
    created = std::move(row->first);
    return true;
  };
  absl::Status status = db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    if (!request_id.empty()) {
      auto found = find_retry(c);
      if (!found.ok()) return found.status();
      if (*found) return absl::OkStatus();
    }
    auto now = DatabaseNow(c);
    if (!now.ok()) return now.status();
    created = finding;
    if (created.raised_time == absl::InfinitePast()) created.raised_time = *now;
    created.status = FindingStatus::kOpen;
    created.version = 1;
    created.create_time = created.update_time = *now;
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
    insert.setString(12, db::ToSqlDateTime(*now));
    insert.setString(13, db::ToSqlDateTime(*now));
    insert.executeUpdate();
    std::unique_ptr<sql::ResultSet> id(c.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
    id->next();
    created.id = id->getInt64(1);
    outbox::EnqueueTimers(c, created.plant, {FindingTimer(created)}, *now);
    return absl::OkStatus();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists && !request_id.empty()) {
    status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
      auto found = find_retry(c);
      if (!found.ok()) return found.status();
      return *found ? absl::OkStatus() : absl::InternalError("duplicate audit finding key");
    });
  }
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<AuditFinding> AuditFindingStore::Get(const std::string& plant, int64_t id) {
  std::optional<AuditFinding> found;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& select = c.Prepare(
        absl::StrCat("SELECT ", kColumns, " FROM audit_findings WHERE plant = ? AND id = ?"));
    select.setString(1, plant);
    select.setInt64(2, id);
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    if (!rs->next()) return absl::OkStatus();
    auto row = ReadRow(*rs);
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
    auto now = DatabaseNow(c);
    if (!now.ok()) return now.status();
    page.now = *now;
    auto& select = c.Prepare(sql);
    int i = 1;
    select.setString(i++, q.plant);
    if (q.status) select.setString(i++, std::string(ToString(*q.status)));
    if (!q.customer.empty()) select.setString(i++, q.customer);
    if (q.blacklisted_only) {
      for (int k = 0; k < 3; ++k) select.setString(i++, db::ToSqlDateTime(*now));
    }
    if (*after_id > 0) select.setInt64(i++, *after_id);
    select.setInt(i++, q.page_size + 1);
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      if (static_cast<int>(page.findings.size()) == q.page_size) {
        more = true;
        break;
      }
      auto row = ReadRow(*rs);
      if (!row.ok()) return row.status();
      page.findings.push_back(std::move(row->first));
    }
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
                                        ", UTC_TIMESTAMP(6) FROM audit_findings WHERE plant = ? "
                                        "AND id = ? FOR UPDATE"));
    lock.setString(1, plant);
    lock.setInt64(2, id);
    std::unique_ptr<sql::ResultSet> rs(lock.executeQuery());
    if (!rs->next()) {
      return absl::NotFoundError(
          absl::StrCat("plants/", plant, "/auditFindings/", id, " does not exist"));
    }
    auto row = ReadRow(*rs);
    if (!row.ok()) return row.status();
    auto now = db::FromSqlDateTime(std::string(rs->getString(20)));
    if (!now.ok()) return now.status();
    const AuditFinding& before = row->first;
    if (!etag.empty() && etag != absl::StrCat(before.version)) {
      return absl::AbortedError(absl::StrCat("etag ", etag, " is stale: the finding is at ",
                                             before.version, "; read it again"));
    }
    auto outcome = move(before, *now);
    if (!outcome.ok()) return outcome.status();
    AuditFinding& after = outcome->finding;
    after.version = before.version + 1;
    after.update_time = *now;
    auto& update = c.Prepare(kUpdate);
    update.setString(1, std::string(ToString(after.status)));
    update.setString(2, after.countermeasure);
    SetTime(update, 3, after.countermeasure_time);
    update.setString(4, after.root_cause);
    update.setString(5, after.long_term_action);
    SetTime(update, 6, after.analysis_time);
    update.setString(7, after.closing_notes);
    SetTime(update, 8, after.close_time);
    update.setInt64(9, after.version);
    update.setString(10, db::ToSqlDateTime(*now));
    update.setInt64(11, after.id);
    update.executeUpdate();
    outbox::EnqueueTimers(c, after.plant, outcome->timers, *now);
    result = after;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::pair<std::vector<AuditFinding>, absl::Time>> AuditFindingStore::RaisedBetween(
    const std::string& plant, absl::Time from, absl::Time to) {
  std::vector<AuditFinding> findings;
  absl::Time now;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto db_now = DatabaseNow(c);
    if (!db_now.ok()) return db_now.status();
    now = *db_now;
    auto& select = c.Prepare(absl::StrCat(
        "SELECT ", kColumns,
        " FROM audit_findings WHERE plant = ? AND raised_time >= ? AND raised_time < ?"));
    select.setString(1, plant);
    select.setString(2, db::ToSqlDateTime(from));
    select.setString(3, db::ToSqlDateTime(to));
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      auto row = ReadRow(*rs);
      if (!row.ok()) return row.status();
      findings.push_back(std::move(row->first));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return std::make_pair(std::move(findings), now);
}

}  // namespace qms::complaints
