// All SQL of the complaints service. One transaction per use case; prepared statements only.
// Every change writes its history row and its outbox rows (timer commands for the notification
// service) in the same transaction as the change itself.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/db/history.h"
#include "common/group_commit.h"
#include "common/plant_calendars.h"
#include "common/server/record_metrics.h"
#include "services/complaints/complaint.h"
#include "services/complaints/lifecycle.h"
#include "services/complaints/serious.h"
#include "services/complaints/statistics.h"

namespace qms::complaints {

struct ListQuery {
  std::string plant;
  std::string customer;                       // empty: any
  std::optional<ComplaintStatus> status;      // none: any
  std::optional<absl::Time> received_after;   // inclusive
  std::optional<absl::Time> received_before;  // exclusive
  bool overdue_only = false;                  // open, containment or corrective action past due
  int page_size = 50;
  std::string page_token;
};

struct ComplaintPage {
  std::vector<Complaint> complaints;
  std::string next_page_token;  // empty on the last page
};

using HistoryEntry = db::HistoryEntry<ComplaintStatus>;
using HistoryPage = db::HistoryPage<ComplaintStatus>;

struct StoreOptions {
  // Each plant's zone and calendar (the plants file: common/plant_calendars.h): numbers carry the
  // year of receipt in the plant's zone, dates (improvement dates, working days) are the plant's.
  std::shared_ptr<const PlantCalendars> plants = std::make_shared<const PlantCalendars>();
  SeriousRules serious;
  // Concurrent creates of one plant are committed together, up to this many per transaction
  // (1: each alone). See common/group_commit.h.
  size_t create_batch_max = 32;
  // Told, after each committed create transaction, how many creates it held (for a metric).
  std::function<void(size_t creates)> on_create_commit;
  // Told the name of each step committed ("CreateComplaint", "TriageComplaint" ...; not a repeat
  // that changed nothing), after its commit.
  std::function<void(const std::string& step)> on_step;
};

class ComplaintStore {
 public:
  ComplaintStore(db::ConnectionPool& pool, StoreOptions options);
  ~ComplaintStore();

  absl::TimeZone ZoneOf(absl::string_view plant) const { return options_.plants->Zone(plant); }

  // Registers a complaint with the next number of its plant and year, flags it serious when a rule
  // says so, and arms its timers. `intake` is as the caller sent it (validated); an unset
  // received_time becomes the database's current time. With a request_id seen before in this
  // plant: the complaint created then when the content is the same, ALREADY_EXISTS when it
  // differs. UNAVAILABLE when the database is down. Concurrent creates of one plant share a
  // transaction (one counter update, one commit) when they cannot affect each other's outcome.
  absl::StatusOr<Complaint> Create(const std::string& plant, const Intake& intake,
                                   const std::string& request_id, const Actor& actor);

  // NOT_FOUND when the plant has no complaint with that number.
  absl::StatusOr<Complaint> Get(const std::string& plant, const std::string& number);

  // Newest first. INVALID_ARGUMENT (page_token) for a token from another query.
  absl::StatusOr<ComplaintPage> List(const ListQuery& query);

  // Applies one 8D step to the complaint under a row lock. A non-empty `etag` must be the current
  // one (else ABORTED, nothing written). Errors of the step (lifecycle.h) are returned as they
  // are. Returns the complaint after the step — for a reopen, the new continuation complaint.
  absl::StatusOr<Complaint> ApplyStep(const std::string& plant, const std::string& number,
                                      const std::string& etag, const Step& step,
                                      const Actor& actor);

  // The monthly figures of `plant` (one customer's unless empty) for the plant-local months
  // from..to, aggregated by the database.
  absl::StatusOr<std::vector<MonthlyFigures>> Statistics(const std::string& plant,
                                                         const std::string& customer,
                                                         absl::CivilMonth from,
                                                         absl::CivilMonth to);

  // Open complaints per plant and status, and per plant those past a deadline (containment not
  // submitted 24 h after receipt, or no reply by the corrective-action due time).
  absl::StatusOr<server::RecordCounts> Count();

  // Oldest first. NOT_FOUND when the complaint does not exist.
  absl::StatusOr<HistoryPage> History(const std::string& plant, const std::string& number,
                                      int page_size, const std::string& page_token);

  // Creates of `plant` queued behind the running transaction: what group commit does, for tests
  // (StoreOptions::on_create_commit reports each committed batch).
  size_t CreatesWaiting(const std::string& plant) { return creates_->Waiting(plant); }

  struct PendingCreate;

 private:
  void RunCreates(const std::string& plant, const std::vector<PendingCreate*>& batch);
  absl::Status CreateInOneTransaction(const std::string& plant,
                                      const std::vector<PendingCreate*>& batch);
  absl::StatusOr<std::optional<Complaint>> FindByRequest(db::Connection& c, const PendingCreate& p);

  db::ConnectionPool& pool_;
  StoreOptions options_;
  std::unique_ptr<GroupCommit<PendingCreate>> creates_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_
