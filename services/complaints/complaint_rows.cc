#include "services/complaints/complaint_rows.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "common/db/multi_row.h"
#include "common/db/sql_time.h"
#include "common/status_macros.h"
#include "services/complaints/record_json.h"

namespace qms::complaints {
namespace {

constexpr char kInsertHead[] =
    "INSERT INTO complaints (plant, number, request_id, request_fingerprint, status, customer, "
    "customer_contact, part_number, order_number, lot_number, delivery_date, quantity_delivered, "
    "quantity_defective, defect_code, defect_description, goods_returned, "
    "customer_production_affected, customer_delivery_affected, customer_required_reply_time, "
    "channel, received_time, version, create_time, update_time, record, corrective_action_due, "
    "serious_reasons, reopened_from, reopen_index) VALUES ";
constexpr int kInsertColumns = 29;
constexpr char kInsertHistoryHead[] =
    "INSERT INTO complaint_history (plant, number, action, actor, from_status, to_status, time, "
    "details) VALUES ";
constexpr int kHistoryColumns = 8;
}  // namespace

const char kColumns[] =
    "id, plant, number, status, customer, customer_contact, part_number, order_number, "
    "lot_number, delivery_date, quantity_delivered, quantity_defective, defect_code, "
    "defect_description, goods_returned, customer_production_affected, "
    "customer_delivery_affected, customer_required_reply_time, channel, received_time, version, "
    "create_time, update_time, request_fingerprint, record, contain_time, reply_time, close_time, "
    "corrective_action_due, improvement_date, serious_reasons, reopened_from, reopened_as, "
    "reopen_index";

absl::StatusOr<Row> ReadRow(db::Rows& r) {
  Row row;
  Complaint& c = row.complaint;
  row.id = r.Int64("id");
  c.plant = r.String("plant");
  c.number = r.String("number");
  auto status = ComplaintStatusFromString(r.String("status"));
  if (!status) return absl::InternalError("unknown complaint status in database");
  c.status = *status;
  Intake& in = c.intake;
  in.customer = r.String("customer");
  in.customer_contact = r.String("customer_contact");
  in.part_number = r.String("part_number");
  in.order_number = r.String("order_number");
  in.lot_number = r.String("lot_number");
  in.delivery_date = r.IsNull("delivery_date") ? "" : r.String("delivery_date");
  in.quantity_delivered = r.Int64("quantity_delivered");
  in.quantity_defective = r.Int64("quantity_defective");
  in.defect_code = r.String("defect_code");
  in.defect_description = r.String("defect_description");
  in.goods_returned = r.Bool("goods_returned");
  in.customer_production_affected = r.Bool("customer_production_affected");
  in.customer_delivery_affected = r.Bool("customer_delivery_affected");
  in.customer_required_reply_time = r.OptionalTime("customer_required_reply_time");
  auto channel = ChannelFromString(r.String("channel"));
  if (!channel) return absl::InternalError("unknown channel in database");
  in.channel = *channel;
  in.received_time = r.Time("received_time");
  c.version = r.Int64("version");
  c.create_time = r.Time("create_time");
  c.update_time = r.Time("update_time");
  row.fingerprint = r.String("request_fingerprint");
  c.contain_time = r.OptionalTime("contain_time");
  c.reply_time = r.OptionalTime("reply_time");
  c.close_time = r.OptionalTime("close_time");
  c.corrective_action_due = r.OptionalTime("corrective_action_due").value_or(absl::InfinitePast());
  c.improvement_date = r.IsNull("improvement_date") ? "" : r.String("improvement_date");
  for (const std::string& name : r.List("serious_reasons")) {
    auto reason = SeriousReasonFromString(name);
    if (!reason) return absl::InternalError("unknown serious reason in database");
    c.serious_reasons.push_back(*reason);
  }
  c.reopened_from = r.String("reopened_from");
  c.reopened_as = r.String("reopened_as");
  c.reopen_index = r.Int("reopen_index");
  if (!r.IsNull("record")) QMS_RETURN_IF_ERROR(RecordFromJson(r.String("record"), &c));
  QMS_RETURN_IF_ERROR(r.status());
  return row;
}

absl::StatusOr<std::optional<Row>> ReadOne(sql::PreparedStatement& statement) {
  db::Rows rows(statement.executeQuery());
  if (!rows.Next()) return std::optional<Row>();
  QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
  return std::optional<Row>(std::move(row));
}

void BindOptionalText(sql::PreparedStatement& s, int index, const std::string& text, int type) {
  if (text.empty()) {
    s.setNull(index, type);
  } else {
    s.setString(index, text);
  }
}

std::string SeriousText(const std::vector<SeriousReason>& reasons) {
  std::vector<std::string> names;
  for (SeriousReason r : reasons) names.emplace_back(ToString(r));
  return absl::StrJoin(names, ",");
}

void InsertComplaints(db::Connection& c, const std::vector<NewRow>& rows) {
  auto& insert = c.Prepare(db::MultiRow(kInsertHead, kInsertColumns, rows.size()));
  int n = 0;
  for (const NewRow& row : rows) {
    const Complaint& complaint = *row.complaint;
    const Intake& in = complaint.intake;
    insert.setString(++n, complaint.plant);
    insert.setString(++n, complaint.number);
    BindOptionalText(insert, ++n, *row.request_id, sql::DataType::VARCHAR);
    insert.setString(++n, *row.fingerprint);
    insert.setString(++n, std::string(ToString(complaint.status)));
    insert.setString(++n, in.customer);
    insert.setString(++n, in.customer_contact);
    insert.setString(++n, in.part_number);
    insert.setString(++n, in.order_number);
    insert.setString(++n, in.lot_number);
    BindOptionalText(insert, ++n, in.delivery_date, sql::DataType::DATE);
    insert.setInt64(++n, in.quantity_delivered);
    insert.setInt64(++n, in.quantity_defective);
    insert.setString(++n, in.defect_code);
    insert.setString(++n, in.defect_description);
    insert.setBoolean(++n, in.goods_returned);
    insert.setBoolean(++n, in.customer_production_affected);
    insert.setBoolean(++n, in.customer_delivery_affected);
    db::BindOptionalTime(insert, ++n, in.customer_required_reply_time);
    insert.setString(++n, std::string(ToString(in.channel)));
    insert.setString(++n, db::ToSqlDateTime(in.received_time));
    insert.setInt64(++n, complaint.version);
    insert.setString(++n, db::ToSqlDateTime(complaint.create_time));
    insert.setString(++n, db::ToSqlDateTime(complaint.update_time));
    insert.setString(++n, RecordToJson(complaint));
    insert.setString(++n, db::ToSqlDateTime(complaint.corrective_action_due));
    insert.setString(++n, SeriousText(complaint.serious_reasons));
    insert.setString(++n, complaint.reopened_from);
    insert.setInt(++n, complaint.reopen_index);
  }
  insert.executeUpdate();
}

void InsertComplaint(db::Connection& c, const Complaint& complaint, const std::string& request_id,
                     const std::string& fingerprint) {
  InsertComplaints(c, {{&complaint, &request_id, &fingerprint}});
}

void InsertHistories(db::Connection& c, const std::vector<HistoryRow>& rows) {
  auto& insert = c.Prepare(db::MultiRow(kInsertHistoryHead, kHistoryColumns, rows.size()));
  int n = 0;
  for (const HistoryRow& row : rows) {
    insert.setString(++n, row.complaint->plant);
    insert.setString(++n, row.complaint->number);
    insert.setString(++n, row.action);
    insert.setString(++n, row.actor->subject);
    insert.setString(++n, row.from ? std::string(ToString(*row.from)) : "");
    insert.setString(++n, std::string(ToString(row.complaint->status)));
    insert.setString(++n, db::ToSqlDateTime(row.time));
    insert.setString(++n, row.details);
  }
  insert.executeUpdate();
}

void InsertHistory(db::Connection& c, const Complaint& complaint, const std::string& action,
                   const Actor& actor, std::optional<ComplaintStatus> from, absl::Time now,
                   const std::string& details) {
  InsertHistories(c, {{&complaint, action, &actor, from, now, details}});
}

// The top-level parts of the 8D record that differ, with their new values: "what changed".
std::string Changes(const Complaint& before, const Complaint& after) {
  const auto old_record = nlohmann::json::parse(RecordToJson(before));
  const auto new_record = nlohmann::json::parse(RecordToJson(after));
  nlohmann::json changed = nlohmann::json::object();
  for (const auto& [key, value] : new_record.items()) {
    if (!old_record.contains(key) || old_record[key] != value) changed[key] = value;
  }
  if (before.improvement_date != after.improvement_date) {
    changed["improvement_date"] = after.improvement_date;
  }
  if (before.reopened_as != after.reopened_as) changed["reopened_as"] = after.reopened_as;
  if (before.serious_reasons != after.serious_reasons) {
    changed["serious_reasons"] = SeriousText(after.serious_reasons);
  }
  if (before.intake.goods_returned != after.intake.goods_returned) {
    changed["goods_returned"] = after.intake.goods_returned;
  }
  return changed.dump();
}

std::string IntakeDetails(const Complaint& c) {
  nlohmann::json d = {{"customer", c.intake.customer},
                      {"part_number", c.intake.part_number},
                      {"defect_code", c.intake.defect_code},
                      {"received_time", absl::FormatTime(c.intake.received_time)}};
  if (!c.serious_reasons.empty()) d["serious_reasons"] = SeriousText(c.serious_reasons);
  if (!c.reopened_from.empty()) d["reopened_from"] = c.reopened_from;
  return d.dump();
}

}  // namespace qms::complaints
