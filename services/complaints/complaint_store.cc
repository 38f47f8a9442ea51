#include "services/complaints/complaint_store.h"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/field_violations.h"
#include "common/sha256.h"

namespace qms::complaints {
namespace {

constexpr char kColumns[] =
    "id, plant, number, status, customer, customer_contact, part_number, order_number, "
    "lot_number, delivery_date, quantity_delivered, quantity_defective, defect_code, "
    "defect_description, goods_returned, customer_production_affected, "
    "customer_delivery_affected, customer_required_reply_time, channel, received_time, version, "
    "create_time, update_time, request_fingerprint";

const std::string kSelectByRequest =
    absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE plant = ? AND request_id = ?");
const std::string kSelectByNumber =
    absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE plant = ? AND number = ?");

constexpr char kNextSequence[] =
    "INSERT INTO complaint_numbers (plant, year, last_sequence) VALUES (?, ?, 1) "
    "ON DUPLICATE KEY UPDATE last_sequence = last_sequence + 1";
constexpr char kReadSequence[] =
    "SELECT last_sequence, UTC_TIMESTAMP(6) FROM complaint_numbers WHERE plant = ? AND year = ?";
constexpr char kInsert[] =
    "INSERT INTO complaints (plant, number, request_id, request_fingerprint, status, customer, "
    "customer_contact, part_number, order_number, lot_number, delivery_date, quantity_delivered, "
    "quantity_defective, defect_code, defect_description, goods_returned, "
    "customer_production_affected, customer_delivery_affected, customer_required_reply_time, "
    "channel, received_time, version, create_time, update_time) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)";

struct Row {
  int64_t id = 0;
  Complaint complaint;
  std::string fingerprint;
};

absl::StatusOr<Row> ReadRow(sql::ResultSet& rs) {
  Row row;
  Complaint& c = row.complaint;
  row.id = rs.getInt64(1);
  c.plant = rs.getString(2);
  c.number = rs.getString(3);
  auto status = ComplaintStatusFromString(std::string(rs.getString(4)));
  if (!status) return absl::InternalError("unknown complaint status in database");
  c.status = *status;
  Intake& in = c.intake;
  in.customer = rs.getString(5);
  in.customer_contact = rs.getString(6);
  in.part_number = rs.getString(7);
  in.order_number = rs.getString(8);
  in.lot_number = rs.getString(9);
  in.delivery_date = rs.isNull(10) ? "" : std::string(rs.getString(10));
  in.quantity_delivered = rs.getInt64(11);
  in.quantity_defective = rs.getInt64(12);
  in.defect_code = rs.getString(13);
  in.defect_description = rs.getString(14);
  in.goods_returned = rs.getBoolean(15);
  in.customer_production_affected = rs.getBoolean(16);
  in.customer_delivery_affected = rs.getBoolean(17);
  if (!rs.isNull(18)) {
    auto t = db::FromSqlDateTime(std::string(rs.getString(18)));
    if (!t.ok()) return t.status();
    in.customer_required_reply_time = *t;
  }
  auto channel = ChannelFromString(std::string(rs.getString(19)));
  if (!channel) return absl::InternalError("unknown channel in database");
  in.channel = *channel;
  auto received = db::FromSqlDateTime(std::string(rs.getString(20)));
  auto created = db::FromSqlDateTime(std::string(rs.getString(22)));
  auto updated = db::FromSqlDateTime(std::string(rs.getString(23)));
  if (!received.ok() || !created.ok() || !updated.ok()) {
    return absl::InternalError("bad time in database");
  }
  in.received_time = *received;
  c.version = rs.getInt64(21);
  c.create_time = *created;
  c.update_time = *updated;
  row.fingerprint = rs.getString(24);
  return row;
}

// Reads at most one row; nullopt when there is none.
absl::StatusOr<std::optional<Row>> ReadOne(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rs(statement.executeQuery());
  if (!rs->next()) return std::optional<Row>();
  auto row = ReadRow(*rs);
  if (!row.ok()) return row.status();
  return std::optional<Row>(std::move(*row));
}

void SetOptionalTime(sql::PreparedStatement& s, int index, const std::optional<absl::Time>& t) {
  if (t) {
    s.setString(index, db::ToSqlDateTime(*t));
  } else {
    s.setNull(index, sql::DataType::TIMESTAMP);
  }
}

std::string QueryFingerprint(const ListQuery& q) {
  return Sha256Hex(absl::StrCat(q.plant.size(), ":", q.plant, ";", q.customer.size(), ":",
                                q.customer, ";", q.status ? ToString(*q.status) : "", ";",
                                q.received_after ? absl::FormatTime(*q.received_after) : "", ";",
                                q.received_before ? absl::FormatTime(*q.received_before) : ""))
      .substr(0, 16);
}

std::string EncodePageToken(int64_t last_id, const ListQuery& q) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1:", last_id, ":", QueryFingerprint(q)));
}

// The id to continue below, or 0 for the first page.
absl::StatusOr<int64_t> DecodePageToken(const ListQuery& q) {
  if (q.page_token.empty()) return 0;
  std::string decoded;
  int64_t id = 0;
  if (absl::WebSafeBase64Unescape(q.page_token, &decoded)) {
    std::vector<std::string> parts = absl::StrSplit(decoded, ':');
    if (parts.size() == 3 && parts[0] == "v1" && absl::SimpleAtoi(parts[1], &id) && id > 0 &&
        parts[2] == QueryFingerprint(q)) {
      return id;
    }
  }
  return InvalidField("page_token", "is not a token returned by this query");
}

}  // namespace

ComplaintStore::ComplaintStore(db::ConnectionPool& pool,
                               std::function<absl::TimeZone(absl::string_view)> zone_of)
    : pool_(pool), zone_of_(std::move(zone_of)) {}

absl::StatusOr<Complaint> ComplaintStore::Create(const std::string& plant, const Intake& intake,
                                                 const std::string& request_id) {
  const std::string fingerprint = Fingerprint(plant, intake);
  const absl::TimeZone zone = zone_of_(plant);
  Complaint created;
  auto find_retry = [&](db::Connection& c) -> absl::StatusOr<bool> {
    auto& select = c.Prepare(kSelectByRequest);
    select.setString(1, plant);
    select.setString(2, request_id);
    auto existing = ReadOne(select);
    if (!existing.ok()) return existing.status();
    if (!existing->has_value()) return false;
    if ((*existing)->fingerprint != fingerprint) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id ", request_id, " was used for a different complaint"));
    }
    created = std::move((*existing)->complaint);
    return true;
  };

  absl::Status status = db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    if (!request_id.empty()) {
      auto found = find_retry(c);
      if (!found.ok()) return found.status();
      if (*found) return absl::OkStatus();
    }
    // The year is taken from received_time; when it is not given, from the database clock,
    // which the sequence read returns anyway. Reading the clock first costs one round trip
    // only for that case.
    absl::Time received = intake.received_time;
    if (received == absl::InfinitePast()) {
      std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT UTC_TIMESTAMP(6)").executeQuery());
      rs->next();
      auto now = db::FromSqlDateTime(std::string(rs->getString(1)));
      if (!now.ok()) return now.status();
      received = *now;
    }
    const int year = static_cast<int>(absl::ToCivilYear(received, zone).year());

    auto& next = c.Prepare(kNextSequence);
    next.setString(1, plant);
    next.setInt(2, year);
    next.executeUpdate();
    auto& read = c.Prepare(kReadSequence);
    read.setString(1, plant);
    read.setInt(2, year);
    std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
    rs->next();
    const int64_t sequence = rs->getInt64(1);
    auto now = db::FromSqlDateTime(std::string(rs->getString(2)));
    if (!now.ok()) return now.status();

    created = Complaint{};
    created.plant = plant;
    created.number = FormatNumber(plant, year, sequence);
    created.status = ComplaintStatus::kReceived;
    created.intake = intake;
    created.intake.received_time = received;
    created.version = 1;
    created.create_time = *now;
    created.update_time = *now;
    const Intake& in = created.intake;

    auto& insert = c.Prepare(kInsert);
    insert.setString(1, plant);
    insert.setString(2, created.number);
    if (request_id.empty()) {
      insert.setNull(3, sql::DataType::VARCHAR);
    } else {
      insert.setString(3, request_id);
    }
    insert.setString(4, fingerprint);
    insert.setString(5, std::string(ToString(created.status)));
    insert.setString(6, in.customer);
    insert.setString(7, in.customer_contact);
    insert.setString(8, in.part_number);
    insert.setString(9, in.order_number);
    insert.setString(10, in.lot_number);
    if (in.delivery_date.empty()) {
      insert.setNull(11, sql::DataType::DATE);
    } else {
      insert.setString(11, in.delivery_date);
    }
    insert.setInt64(12, in.quantity_delivered);
    insert.setInt64(13, in.quantity_defective);
    insert.setString(14, in.defect_code);
    insert.setString(15, in.defect_description);
    insert.setBoolean(16, in.goods_returned);
    insert.setBoolean(17, in.customer_production_affected);
    insert.setBoolean(18, in.customer_delivery_affected);
    SetOptionalTime(insert, 19, in.customer_required_reply_time);
    insert.setString(20, std::string(ToString(in.channel)));
    insert.setString(21, db::ToSqlDateTime(in.received_time));
    insert.setString(22, db::ToSqlDateTime(*now));
    insert.setString(23, db::ToSqlDateTime(*now));
    insert.executeUpdate();
    return absl::OkStatus();
  });

  if (status.code() == absl::StatusCode::kAlreadyExists && !request_id.empty()) {
    // A concurrent retry with the same request_id committed first: answer with its complaint.
    // (Our transaction rolled back, so its sequence number was never taken.)
    status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
      auto found = find_retry(c);
      if (!found.ok()) return found.status();
      return *found ? absl::OkStatus() : absl::InternalError("duplicate complaint key");
    });
  }
  if (!status.ok()) return status;
  return created;
}

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
  auto after_id = DecodePageToken(q);
  if (!after_id.ok()) return after_id.status();

  // One statement text per combination of filters, so each is prepared once per connection.
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE plant = ?");
  if (!q.customer.empty()) absl::StrAppend(&sql, " AND customer = ?");
  if (q.status) absl::StrAppend(&sql, " AND status = ?");
  if (q.received_after) absl::StrAppend(&sql, " AND received_time >= ?");
  if (q.received_before) absl::StrAppend(&sql, " AND received_time < ?");
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
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      if (static_cast<int>(page.complaints.size()) == q.page_size) {
        more = true;
        break;
      }
      auto row = ReadRow(*rs);
      if (!row.ok()) return row.status();
      last_id = row->id;
      page.complaints.push_back(std::move(row->complaint));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (more) page.next_page_token = EncodePageToken(last_id, q);
  return page;
}

}  // namespace qms::complaints
