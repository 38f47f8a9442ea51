// How a complaint and its history are rows of the complaints schema: the columns, reading a row
// by name, inserting rows (many in one statement), for the store's files (complaint_store.cc,
// complaint_create.cc, complaint_history.cc). Internal to the store.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_ROWS_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_ROWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/db/rows.h"
#include "services/complaints/complaint.h"
#include "services/complaints/lifecycle.h"

namespace sql {
class PreparedStatement;
}  // namespace sql

namespace qms::complaints {

// Every column of a complaint, for SELECT.
extern const char kColumns[];

struct Row {
  int64_t id = 0;
  Complaint complaint;
  std::string fingerprint;
};

// The complaint of the current row of a SELECT of kColumns; INTERNAL for a value that does not
// read.
absl::StatusOr<Row> ReadRow(db::Rows& rows);
// At most one row; nullopt when there is none.
absl::StatusOr<std::optional<Row>> ReadOne(sql::PreparedStatement& statement);

// Binds `text`, or NULL of SQL type `type` when it is empty.
void BindOptionalText(sql::PreparedStatement& s, int index, const std::string& text, int type);

std::string SeriousText(const std::vector<SeriousReason>& reasons);

// A new complaint row: the complaint and its idempotency key.
struct NewRow {
  const Complaint* complaint;
  const std::string* request_id;
  const std::string* fingerprint;
};
// Every row in one statement.
void InsertComplaints(db::Connection& c, const std::vector<NewRow>& rows);
void InsertComplaint(db::Connection& c, const Complaint& complaint, const std::string& request_id,
                     const std::string& fingerprint);

// A history row: what happened to a complaint, by whom, when.
struct HistoryRow {
  const Complaint* complaint;
  std::string action;
  const Actor* actor;
  std::optional<ComplaintStatus> from;
  absl::Time time;
  std::string details;
};
void InsertHistories(db::Connection& c, const std::vector<HistoryRow>& rows);
void InsertHistory(db::Connection& c, const Complaint& complaint, const std::string& action,
                   const Actor& actor, std::optional<ComplaintStatus> from, absl::Time now,
                   const std::string& details);

// The history details of a step ("what changed") and of a creation.
std::string Changes(const Complaint& before, const Complaint& after);
std::string IntakeDetails(const Complaint& c);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_ROWS_H_
