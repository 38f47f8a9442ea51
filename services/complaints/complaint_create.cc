// Creating complaints: numbering, the serious-complaint rules' counts, the first history row and
// timers, with concurrent creates of one plant committed together (common/group_commit.h).
#include <cppconn/prepared_statement.h>

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/db/batch_create.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "common/status_macros.h"
#include "services/complaints/complaint_rows.h"
#include "services/complaints/complaint_store.h"

namespace qms::complaints {
namespace {

const std::string kSelectByRequest =
    absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE plant = ? AND request_id = ?");

// Takes `count` numbers: the last one taken is then last_sequence.
constexpr char kNextSequences[] =
    "INSERT INTO complaint_numbers (plant, year, last_sequence) VALUES (?, ?, ?) "
    "ON DUPLICATE KEY UPDATE last_sequence = last_sequence + ?";
// For each create of a batch: its index, the clock, its serious-complaint counts and the last
// number taken in its year, in one statement. The creates are a derived table and the counts
// subqueries over it, so the statement is optimised once per batch (a UNION ALL of one SELECT per
// create was optimised per create: 1.7 ms for ten under load).
constexpr char kCountsCreate[] =
    "SELECT ? AS i, ? AS customer, ? AS part, ? AS defect, ? AS window_start, ? AS received, "
    "? AS year";
constexpr char kCountsMoreCreates[] = " UNION ALL SELECT ?, ?, ?, ?, ?, ?, ?";
constexpr char kCountsSelect[] =
    ") SELECT p.i, UTC_TIMESTAMP(6) AS now, "
    "(SELECT COUNT(*) FROM complaints c WHERE c.plant = ? AND c.customer = p.customer AND "
    "c.received_time >= p.window_start AND c.received_time <= p.received AND "
    "c.reopen_index = 0) AS by_customer, "
    "(SELECT COUNT(DISTINCT c.customer) FROM complaints c WHERE c.plant = ? AND "
    "c.part_number = p.part AND c.defect_code = p.defect AND p.defect <> '' AND "
    "c.customer <> p.customer AND c.received_time >= p.window_start AND "
    "c.received_time <= p.received AND c.reopen_index = 0) AS same_defect, "
    "(SELECT n.last_sequence FROM complaint_numbers n WHERE n.plant = ? AND n.year = p.year) "
    "AS last_sequence FROM p";

std::string CountsStatement(size_t creates) {
  std::string sql = absl::StrCat("WITH p AS (", kCountsCreate);
  for (size_t r = 1; r < creates; ++r) sql += kCountsMoreCreates;
  sql += kCountsSelect;
  return sql;
}

}  // namespace

// One CreateComplaint waiting for its batch (common/group_commit.h).
struct ComplaintStore::PendingCreate {
  std::string plant;
  const Intake* intake;
  std::string request_id;
  const Actor* actor;
  std::string fingerprint;
  absl::StatusOr<Complaint> result = absl::InternalError("create not run");
};

namespace {

// Creates share a batch only when none can change another's outcome: the serious-complaint
// counts of one customer, or of one part and defect, include the complaints before it; a
// request_id twice is a retry, answered once the first has committed.
bool Batchable(const std::vector<ComplaintStore::PendingCreate*>& batch,
               const ComplaintStore::PendingCreate& p) {
  for (const ComplaintStore::PendingCreate* b : batch) {
    if (b->intake->customer == p.intake->customer) return false;
    if (!p.intake->defect_code.empty() && b->intake->defect_code == p.intake->defect_code &&
        b->intake->part_number == p.intake->part_number) {
      return false;
    }
    if (!p.request_id.empty() && b->request_id == p.request_id) return false;
  }
  return true;
}

}  // namespace

ComplaintStore::ComplaintStore(db::ConnectionPool& pool, StoreOptions options)
    : pool_(pool),
      options_(std::move(options)),
      creates_(std::make_unique<GroupCommit<PendingCreate>>(
          options_.create_batch_max,
          [this](const std::string& plant, const std::vector<PendingCreate*>& batch) {
            RunCreates(plant, batch);
          },
          &Batchable)) {}

ComplaintStore::~ComplaintStore() = default;

absl::StatusOr<Complaint> ComplaintStore::Create(const std::string& plant, const Intake& intake,
                                                 const std::string& request_id,
                                                 const Actor& actor) {
  PendingCreate pending{plant, &intake, request_id, &actor, Fingerprint(plant, intake)};
  creates_->Submit(plant, pending);
  return std::move(pending.result);
}

void ComplaintStore::RunCreates(const std::string& plant,
                                const std::vector<PendingCreate*>& batch) {
  db::RunBatchOfCreates<PendingCreate>(
      batch, [&](const std::vector<PendingCreate*>& b) { return CreateInOneTransaction(plant, b); },
      [&](PendingCreate& first) {
        return db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
          auto found = FindByRequest(c, first);
          if (!found.ok()) return found.status();
          if (!*found) return absl::InternalError("duplicate complaint key");
          first.result = **found;
          return absl::OkStatus();
        });
      },
      [](PendingCreate& p, const absl::Status& status) { p.result = status; });
}

absl::StatusOr<std::optional<Complaint>> ComplaintStore::FindByRequest(db::Connection& c,
                                                                       const PendingCreate& p) {
  auto& select = c.Prepare(kSelectByRequest);
  select.setString(1, p.plant);
  select.setString(2, p.request_id);
  auto existing = ReadOne(select);
  if (!existing.ok()) return existing.status();
  if (!existing->has_value()) return std::optional<Complaint>();
  if ((*existing)->fingerprint != p.fingerprint) {
    return absl::AlreadyExistsError(
        absl::StrCat("request_id ", p.request_id, " was used for a different complaint"));
  }
  return std::optional<Complaint>(std::move((*existing)->complaint));
}

absl::Status ComplaintStore::CreateInOneTransaction(const std::string& plant,
                                                    const std::vector<PendingCreate*>& batch) {
  const absl::TimeZone zone = options_.plants->Zone(plant);
  const Calendar calendar = options_.plants->CalendarOf(plant);
  const size_t k = batch.size();
  std::vector<Complaint> created(k);
  absl::Status status = db::RunInTransaction(pool_, [&](db::Connection& c) -> absl::Status {
    // A retry of a create already made does not get this far: its insert below breaks the
    // (plant, request_id) key, the batch rolls back, and each create is tried alone, where the
    // retry is answered with the complaint made first (RunCreates). So the common case pays no
    // lookup.
    //
    // The year is taken from received_time; when it is not given, from the database clock.
    std::vector<absl::Time> received(k);
    std::optional<absl::Time> clock;
    std::map<int, size_t> per_year;  // year -> creates of the batch in it
    std::vector<int> year(k);
    for (size_t i = 0; i < k; ++i) {
      received[i] = batch[i]->intake->received_time;
      if (received[i] == absl::InfinitePast()) {
        if (!clock) {
          QMS_ASSIGN_OR_RETURN(clock, db::Now(c));
        }
        received[i] = *clock;
      }
      year[i] = static_cast<int>(absl::ToCivilYear(received[i], zone).year());
      per_year[year[i]]++;
    }

    // Creates of one plant and year serialise on these rows until commit (taken in year order),
    // which also makes the serious-complaint counts below exact.
    for (const auto& [y, count] : per_year) {
      auto& next = c.Prepare(kNextSequences);
      next.setString(1, plant);
      next.setInt(2, y);
      next.setInt(3, static_cast<int>(count));
      next.setInt(4, static_cast<int>(count));
      next.executeUpdate();
    }

    // Each create's counts, clock and its year's last number: one statement for the batch.
    auto& read = c.Prepare(CountsStatement(k));
    int n = 0;
    for (size_t i = 0; i < k; ++i) {
      const Intake& intake = *batch[i]->intake;
      read.setInt(++n, static_cast<int>(i));
      read.setString(++n, intake.customer);
      read.setString(++n, intake.part_number);
      read.setString(++n, intake.defect_code);
      read.setString(++n,
                     db::ToSqlDateTime(SeriousWindowStart(received[i], options_.serious, zone)));
      read.setString(++n, db::ToSqlDateTime(received[i]));
      read.setInt(++n, year[i]);
    }
    for (int plant_parameter = 0; plant_parameter < 3; ++plant_parameter) {
      read.setString(++n, plant);
    }
    std::vector<absl::Time> now(k);
    std::vector<SeriousCounts> counts(k);
    std::vector<int64_t> last(k);
    {
      db::Rows rows(read.executeQuery());
      while (rows.Next()) {
        const size_t i = static_cast<size_t>(rows.Int("i"));
        if (i >= k) return absl::InternalError("counts for an unknown create");
        now[i] = rows.Time("now");
        counts[i].complaints_by_customer = 1 + static_cast<int>(rows.Int64("by_customer"));
        if (!batch[i]->intake->defect_code.empty()) {
          counts[i].customers_with_same_defect = 1 + static_cast<int>(rows.Int64("same_defect"));
        }
        last[i] = rows.Int64("last_sequence");
      }
      QMS_RETURN_IF_ERROR(rows.status());
    }

    // Numbers in batch order within each year: the year's count ends at its last number.
    std::map<int, int64_t> next_of_year;
    std::vector<NewRow> rows;
    std::vector<HistoryRow> history;
    std::vector<TimerCommand> timers;
    for (size_t i = 0; i < k; ++i) {
      const PendingCreate& p = *batch[i];
      Complaint& complaint = created[i];
      complaint = Complaint{};
      complaint.plant = plant;
      const auto next =
          next_of_year.try_emplace(year[i], last[i] - static_cast<int64_t>(per_year[year[i]]) + 1);
      complaint.number = FormatNumber(plant, year[i], next.first->second++);
      complaint.status = ComplaintStatus::kReceived;
      complaint.intake = *p.intake;
      complaint.intake.received_time = received[i];
      complaint.version = 1;
      complaint.create_time = now[i];
      complaint.update_time = now[i];
      complaint.corrective_action_due = CorrectiveActionDue(complaint.intake, calendar);
      complaint.serious_reasons = SeriousReasonsFor(complaint.intake, counts[i], options_.serious);
      rows.push_back({&complaint, &p.request_id, &p.fingerprint});
      history.push_back(
          {&complaint, "CreateComplaint", p.actor, std::nullopt, now[i], IntakeDetails(complaint)});
      for (TimerCommand& t : IntakeTimers(complaint)) timers.push_back(std::move(t));
    }
    InsertComplaints(c, rows);
    InsertHistories(c, history);
    outbox::EnqueueTimers(c, plant, timers, now[0]);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (options_.on_create_commit) options_.on_create_commit(k);
  if (options_.on_step) {
    for (size_t i = 0; i < k; ++i) options_.on_step("CreateComplaint");
  }
  for (size_t i = 0; i < k; ++i) batch[i]->result = std::move(created[i]);
  return absl::OkStatus();
}

}  // namespace qms::complaints
