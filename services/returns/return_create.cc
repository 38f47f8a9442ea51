// Registering returns: numbering, the first history row and outbox rows, idempotency by
// request_id, and group commit (common/group_commit.h): concurrent creates of one plant share a
// transaction, so the plant's counter row is locked and the commit paid once per batch.
#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "clients/complaints/outbox_kinds.h"
#include "common/db/batch_create.h"
#include "common/db/numbering.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/status_macros.h"
#include "services/returns/record_json.h"
#include "services/returns/return_rows.h"
#include "services/returns/return_store.h"

namespace qms::returns {

struct ReturnStore::PendingCreate {
  const Return* draft;
  std::string request_id;
  std::string actor;
  std::string fingerprint;
  absl::StatusOr<Return> result = absl::InternalError("create not run");
  bool created = false;  // numbered and inserted (not a retry answered)
};

namespace {

constexpr char kInsert[] =
    "INSERT INTO returns (plant, number, request_id, request_fingerprint, customer, complaint, "
    "bulk, without_goods, state, record, next_due_time, analysis_archived, version, create_time, "
    "update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 1, ?, ?)";

// A request_id twice in one batch is a retry: it waits for the first to commit, then is answered.
bool Batchable(const std::vector<ReturnStore::PendingCreate*>& batch,
               const ReturnStore::PendingCreate& p) {
  if (p.request_id.empty()) return true;
  for (const ReturnStore::PendingCreate* b : batch) {
    if (b->request_id == p.request_id) return false;
  }
  return true;
}

// The return made first for this request, if any.
absl::StatusOr<std::optional<Row>> FindByRequest(db::Connection& c, const std::string& plant,
                                                 const std::string& request_id) {
  auto& select = c.Prepare(
      absl::StrCat("SELECT ", kReturnColumns, " FROM returns WHERE plant = ? AND request_id = ?"));
  select.setString(1, plant);
  select.setString(2, request_id);
  db::Rows rows(select.executeQuery());
  if (!rows.Next()) return std::nullopt;
  QMS_ASSIGN_OR_RETURN(Row row, ReadRow(rows));
  return row;
}

// The answer to a retry: the first return when the content is the same.
absl::StatusOr<Return> Answer(const Row& found, const ReturnStore::PendingCreate& p) {
  if (found.fingerprint != p.fingerprint) {
    return absl::AlreadyExistsError(
        absl::StrCat("request_id ", p.request_id, " was used for a different return"));
  }
  return found.record;
}

// Inserts the registered return `r` with its parts, history and outbox rows.
absl::Status Insert(db::Connection& c, const Outcome& registered,
                    const ReturnStore::PendingCreate& p, absl::Time now) {
  const Return& r = registered.record;
  auto& insert = c.Prepare(kInsert);
  insert.setString(1, r.plant);
  insert.setString(2, r.number);
  if (p.request_id.empty()) {
    insert.setNull(3, sql::DataType::VARCHAR);
  } else {
    insert.setString(3, p.request_id);
  }
  insert.setString(4, p.fingerprint);
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
  InsertHistory(c, row_id, "CreateReturn", p.actor, std::nullopt, r.state, now, RecordToJson(r));
  outbox::EnqueueTimers(c, r.plant, registered.timers, now);
  if (!r.complaint.empty()) {
    // The complaint learns of its return through the outbox (subject: the complaint).
    outbox::Message link;
    link.kind = clients::kRecordReturnKind;
    link.plant = r.plant;
    link.subject = r.complaint;
    link.detail = ResourceName(r);
    link.customer = r.customer;
    outbox::EnqueueAll(c, {link}, now);
  }
  return absl::OkStatus();
}

}  // namespace

ReturnStore::ReturnStore(db::ConnectionPool& pool, std::shared_ptr<const PlantCalendars> plants,
                         std::function<void(const std::string& step)> on_step,
                         size_t create_batch_max)
    : pool_(pool),
      plants_(std::move(plants)),
      on_step_(std::move(on_step)),
      creates_(std::make_unique<GroupCommit<PendingCreate>>(
          create_batch_max,
          [this](const std::string& plant, const std::vector<PendingCreate*>& batch) {
            RunCreates(plant, batch);
          },
          &Batchable)) {}

ReturnStore::~ReturnStore() = default;

absl::StatusOr<Return> ReturnStore::Create(const Return& draft, const std::string& request_id,
                                           const std::string& actor) {
  PendingCreate pending{&draft, request_id, actor, Fingerprint(draft)};
  creates_->Submit(draft.plant, pending);
  if (pending.created && on_step_) on_step_("CreateReturn");
  return std::move(pending.result);
}

void ReturnStore::RunCreates(const std::string& plant, const std::vector<PendingCreate*>& batch) {
  db::RunBatchOfCreates<PendingCreate>(
      batch, [&](const std::vector<PendingCreate*>& b) { return CreateInOneTransaction(plant, b); },
      [&](PendingCreate& first) {
        return db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
          QMS_ASSIGN_OR_RETURN(std::optional<Row> found, FindByRequest(c, plant, first.request_id));
          if (!found) return absl::InternalError("duplicate return key");
          first.result = Answer(*found, first);
          return absl::OkStatus();
        });
      },
      [](PendingCreate& p, const absl::Status& status) {
        p.created = false;
        p.result = status;
      });
}

absl::Status ReturnStore::CreateInOneTransaction(const std::string& plant,
                                                 const std::vector<PendingCreate*>& batch) {
  return db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const absl::Time now, db::Now(c));
    std::vector<PendingCreate*> fresh;
    for (PendingCreate* p : batch) {
      p->created = false;
      if (!p->request_id.empty()) {
        QMS_ASSIGN_OR_RETURN(std::optional<Row> found, FindByRequest(c, plant, p->request_id));
        if (found) {
          p->result = Answer(*found, *p);
          continue;
        }
      }
      fresh.push_back(p);
    }
    if (fresh.empty()) return absl::OkStatus();
    const int year = static_cast<int>(absl::ToCivilYear(now, plants_->Zone(plant)).year());
    QMS_ASSIGN_OR_RETURN(const int64_t last, db::TakeNumbers(c, "return_numbers", plant, year,
                                                             static_cast<int64_t>(fresh.size())));
    int64_t sequence = last - static_cast<int64_t>(fresh.size());
    for (PendingCreate* p : fresh) {
      // Numbered first: the timers Register arms name the return.
      Return numbered = *p->draft;
      numbered.number = FormatNumber(plant, year, ++sequence);
      const Outcome registered = Register(numbered, Context{p->actor, now});
      QMS_RETURN_IF_ERROR(Insert(c, registered, *p, now));
      p->result = registered.record;
      p->created = true;
    }
    return absl::OkStatus();
  });
}

}  // namespace qms::returns
