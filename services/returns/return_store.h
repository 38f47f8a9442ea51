// All SQL of the returns service. One transaction per use case; every change writes its history
// row and its outbox rows (timer commands for notifications, the return for its complaint) in
// the same transaction as the change itself.
#ifndef QMS_SERVICES_RETURNS_RETURN_STORE_H_
#define QMS_SERVICES_RETURNS_RETURN_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/db/history.h"
#include "common/group_commit.h"
#include "common/plant_calendars.h"
#include "common/server/record_metrics.h"
#include "services/returns/lifecycle.h"
#include "services/returns/return.h"

namespace qms::returns {

struct ReturnQuery {
  std::string plant;
  std::string customer;  // empty: any
  std::string part_number;
  std::optional<ReturnState> state;
  std::string complaint;  // plants/{plant}/complaints/{number}
  std::optional<bool> bulk;
  bool overdue_only = false;
  bool archived_analysis_only = false;
  int page_size = 50;
  std::string page_token;
};

struct ReturnPage {
  std::vector<Return> returns;
  std::string next_page_token;
  absl::Time now;  // the database time the page was read at (for "overdue")
};

using HistoryEntry = db::HistoryEntry<ReturnState>;
using HistoryPage = db::HistoryPage<ReturnState>;

class ReturnStore {
 public:
  // `on_step` is told the name of each step committed ("CreateReturn", "RecordReceipt" ...; not
  // a repeat that changed nothing), after its commit.
  // Concurrent creates of one plant share a transaction, up to `create_batch_max` (1: each alone).
  ReturnStore(db::ConnectionPool& pool, std::shared_ptr<const PlantCalendars> plants,
              std::function<void(const std::string& step)> on_step = nullptr,
              size_t create_batch_max = 32);
  ~ReturnStore();

  absl::TimeZone ZoneOf(absl::string_view plant) const { return plants_->Zone(plant); }

  // Registers `draft` (validated) with the next number of its plant and year (the plant's zone),
  // arms what Register arms and, for a return of a complaint, tells complaints through the
  // outbox. Idempotent by request_id: the same content returns the first, other content is
  // ALREADY_EXISTS; a retry takes no number.
  absl::StatusOr<Return> Create(const Return& draft, const std::string& request_id,
                                const std::string& actor);
  // NOT_FOUND when the plant has no return with that number.
  absl::StatusOr<Return> Get(const std::string& plant, const std::string& number);
  // Newest first. INVALID_ARGUMENT (page_token) for a token from another query.
  absl::StatusOr<ReturnPage> List(const ReturnQuery& query);
  // Oldest first. NOT_FOUND when the return does not exist.
  absl::StatusOr<HistoryPage> History(const std::string& plant, const std::string& number,
                                      int page_size, const std::string& page_token);
  // Applies one step under a row lock, guarded by `etag` when given (ABORTED when stale). A step
  // that changes nothing (a repeated receipt) writes nothing.
  absl::StatusOr<Return> ApplyStep(const std::string& plant, const std::string& number,
                                   const std::string& etag, const Step& step,
                                   const std::string& actor);
  // The returns of `plant` registered in [from, to), of one customer unless empty.
  absl::StatusOr<std::vector<Return>> CreatedBetween(const std::string& plant,
                                                     const std::string& customer, absl::Time from,
                                                     absl::Time to);
  // Open returns per plant and state, and per plant those with a passed deadline.
  absl::StatusOr<server::RecordCounts> Count();

  struct PendingCreate;

 private:
  void RunCreates(const std::string& plant, const std::vector<PendingCreate*>& batch);
  absl::Status CreateInOneTransaction(const std::string& plant,
                                      const std::vector<PendingCreate*>& batch);

  db::ConnectionPool& pool_;
  std::shared_ptr<const PlantCalendars> plants_;
  std::function<void(const std::string&)> on_step_;
  std::unique_ptr<GroupCommit<PendingCreate>> creates_;
};

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RETURN_STORE_H_
