// The SQL of calendars, timers and their stages, and the firing engine's claim: each use case
// reads a timer, applies timer.h's rule and writes what it says, in one transaction; times from
// the database clock (NOW(6)), never a replica's. Events, subscriptions and deliveries are
// delivery_store.h's.
#ifndef QMS_SERVICES_NOTIFICATIONS_TIMER_STORE_H_
#define QMS_SERVICES_NOTIFICATIONS_TIMER_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/calendar.h"
#include "common/db/connection_pool.h"
#include "common/plant_calendars.h"
#include "services/notifications/policy.h"
#include "services/notifications/timer.h"

namespace qms::notifications {

struct ArmInput {
  TimerKey key;
  std::optional<absl::Time> start;
  std::optional<absl::Time> due;
  std::string request_id;
  std::string customer;
};

struct ArmResult {
  Timer timer;
  bool armed_now = false;  // false: it existed already (idempotent repeat or tombstone)
};

struct ArmBatchResult {
  int armed = 0;
  int existing = 0;
  std::optional<absl::Time> earliest_due;  // of the stages armed now
};

struct DisarmResult {
  Timer timer;
  // Deadlines this call disarmed, with the time from the timer's start (the response time).
  std::vector<std::pair<std::string, absl::Duration>> responses;
};

struct TimerFilter {
  std::string plant;
  std::optional<TimerState> state;
  std::string policy;
  bool overdue_only = false;
  int page_size = 50;
  int64_t after_id = 0;
};

struct FireResult {
  std::vector<Event> fired;
  absl::Time db_now;                   // the database clock when the batch was claimed
  std::optional<absl::Time> next_due;  // the earliest stage still pending, if any
};

struct OpenTimerCount {
  std::string plant;
  std::string policy;
  TimerState state;
  int64_t count;
};

class TimerStore {
 public:
  // Each plant's zone, and the calendar of a plant without a stored one, come from `plants`
  // (the plants file; see common/plant_calendars.h).
  TimerStore(db::ConnectionPool& pool, Policies policies, PlantCalendars plants = PlantCalendars());

  // ---- calendars ----
  // The plant's calendar and its version (0: never stored), read together from one row: an etag
  // always belongs to the content it comes with.
  absl::StatusOr<std::pair<Calendar, int64_t>> GetCalendar(const std::string& plant);
  // Replaces the calendar and recomputes the pending stages of the plant's open timers. A
  // non-empty etag must match the stored version (ABORTED otherwise). The plants file is the one
  // source of a plant's zone and of the calendars it gives: another zone is INVALID_ARGUMENT
  // (calendar.time_zone), a plant whose calendar the file gives FAILED_PRECONDITION.
  absl::StatusOr<std::pair<Calendar, int64_t>> SetCalendar(const Calendar& calendar,
                                                           const std::string& etag);
  // Makes the stored calendars equal to the plants file's (at start): writes one, as SetCalendar
  // does, only when it differs, so replicas starting together or a restart with the same file
  // change nothing.
  absl::Status ApplyConfiguredCalendars();
  absl::StatusOr<absl::Time> DatabaseNow();

  // ---- timers ----
  absl::StatusOr<ArmResult> Arm(const ArmInput& input);
  // Arms many in one transaction: one multi-row insert for the new timers and one for their
  // stages; what already existed goes through Arm's path. INVALID_ARGUMENT names requests[i].
  absl::StatusOr<ArmBatchResult> ArmMany(const std::vector<ArmInput>& inputs);
  // Disarming is idempotent by its key (subject, policy, deadline), so no request id is kept.
  absl::StatusOr<DisarmResult> Disarm(const TimerKey& key, const std::string& deadline);
  absl::StatusOr<Timer> Pause(const TimerKey& key);
  absl::StatusOr<Timer> Resume(const TimerKey& key);
  absl::StatusOr<Timer> Get(const TimerKey& key);
  absl::StatusOr<std::vector<Timer>> List(const TimerFilter& filter);
  absl::StatusOr<std::vector<OpenTimerCount>> CountOpen();
  // Stages pending although due more than `grace` ago: the engine falling behind.
  absl::StatusOr<int64_t> CountDueUnfired(absl::Duration grace);

  // ---- the engine ----
  // Claims up to `limit` due stages (SKIP LOCKED: other replicas take others), marks them fired,
  // records a firing each and the deliveries their subscriptions call for (delivery_store.h's
  // RecordFirings), in one transaction.
  absl::StatusOr<FireResult> FireDue(int limit);

  const Policies& policies() const { return policies_; }

 private:
  using CalendarCache = std::map<std::string, Calendar, std::less<>>;
  absl::StatusOr<const Calendar*> CalendarOf(db::Connection& conn, const std::string& plant,
                                             CalendarCache& calendars);
  absl::StatusOr<ArmResult> ArmOne(db::Connection& conn, const ArmInput& input,
                                   const Policy& policy, absl::Time now, CalendarCache& calendars);
  // The plant's stored calendar (locked when `lock`) and version; version 0: the default one.
  absl::StatusOr<std::pair<Calendar, int64_t>> LoadCalendar(db::Connection& conn,
                                                            const std::string& plant, bool lock);
  // Stores `calendar` as version `version` and recomputes the plant's open timers' stages.
  absl::Status WriteCalendar(db::Connection& conn, const Calendar& calendar, int64_t version);

  db::ConnectionPool& pool_;
  const Policies policies_;
  const PlantCalendars plants_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_TIMER_STORE_H_
