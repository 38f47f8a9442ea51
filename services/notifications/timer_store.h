// All SQL of the notification service: calendars, timers and their stages, the firing engine's
// claim, events, subscriptions and deliveries. One transaction per use case; times from the
// database clock (NOW(6)), never a replica's.
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

namespace qms::notifications {

enum class TimerState { kNotArmed = 0, kArmed = 1, kPaused = 2, kDisarmed = 3 };
enum class StageState { kPending = 1, kFired = 2, kCancelled = 3, kHeld = 4 };

struct Stage {
  int index = 0;
  std::string deadline;
  StageKind kind = StageKind::kBreach;
  int level = 0;
  std::vector<std::string> roles;
  absl::Time due;
  StageState state = StageState::kPending;
  std::optional<absl::Time> fire_time;
};

struct TimerKey {
  std::string plant;
  std::string subject;
  std::string policy;
};

struct Timer {
  int64_t id = 0;
  TimerKey key;
  TimerState state = TimerState::kArmed;
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> explicit_due;
  std::optional<absl::Time> arm_time;
  std::optional<absl::Time> disarm_time;
  std::optional<absl::Time> pause_time;
  absl::Duration paused;          // wall time paused, all pauses together
  absl::Duration paused_working;  // the working time inside those pauses
  std::vector<std::string> disarmed_deadlines;
  std::vector<Stage> stages;
  bool overdue = false;  // a breach fired and its deadline is not disarmed
  std::string customer;  // whom the response is owed to (reporting); may be empty
};

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

// A fired stage: what boards, webhooks and e-mails are told.
struct Event {
  int64_t id = 0;
  std::string plant;
  std::string subject;
  std::string policy;
  std::string deadline;
  StageKind kind = StageKind::kBreach;
  int level = 0;
  std::vector<std::string> roles;
  absl::Time due;
  absl::Time fire_time;
  std::string customer;
};

struct FireResult {
  std::vector<Event> fired;
  absl::Time db_now;                   // the database clock when the batch was claimed
  std::optional<absl::Time> next_due;  // the earliest stage still pending, if any
};

enum class Channel { kWebhook = 1, kEmail = 2 };

struct Subscription {
  int64_t id = 0;
  std::string plant;  // "*" for every plant
  std::vector<std::string> roles;
  Channel channel = Channel::kWebhook;
  std::string target;  // URL or address
  std::string secret;
  absl::Time create_time;
};

enum class DeliveryState { kPending = 1, kDelivered = 2, kDead = 3 };

struct Delivery {
  int64_t id = 0;
  int64_t subscription_id = 0;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::string last_error;
  absl::Time next_attempt_time;
  std::optional<absl::Time> deliver_time;
  Event event;
  // Filled by ClaimDeliveries only.
  int64_t lease_token = 0;  // the claim's: recording a result needs it
  Channel channel = Channel::kWebhook;
  std::string target;
  std::string secret;
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
  // records a firing each and the deliveries their subscriptions call for, in one transaction.
  absl::StatusOr<FireResult> FireDue(int limit);

  // ---- events, subscriptions, deliveries ----
  absl::StatusOr<std::vector<Event>> EventsAfter(int64_t after_id, const std::string& plant,
                                                 int limit);
  absl::StatusOr<int64_t> LastEventId();
  absl::StatusOr<Subscription> CreateSubscription(const Subscription& subscription);
  absl::StatusOr<std::vector<Subscription>> ListSubscriptions(const std::string& plant);
  absl::StatusOr<Subscription> GetSubscription(int64_t id);  // NOT_FOUND when deleted
  absl::Status DeleteSubscription(int64_t id);
  absl::StatusOr<std::vector<Delivery>> ListDeliveries(const std::string& plant,
                                                       std::optional<DeliveryState> state,
                                                       int limit);
  // Leases up to `limit` due deliveries for `lease` (another replica takes them only after it)
  // under a token of this claim.
  absl::StatusOr<std::vector<Delivery>> ClaimDeliveries(int limit, absl::Duration lease);
  // Records the result of a claimed delivery. FAILED_PRECONDITION, nothing written, when the
  // row is no longer pending under `d`'s lease token (the lease ran out and another claim took
  // it): a late result never overwrites a newer one.
  absl::Status MarkDelivered(const Delivery& d);
  // Schedules another attempt after `backoff`, or marks the delivery dead when `dead`.
  absl::Status MarkFailed(const Delivery& d, const std::string& error, absl::Duration backoff,
                          bool dead);

  const Policies& policies() const { return policies_; }

 private:
  using CalendarCache = std::map<std::string, Calendar, std::less<>>;
  const Calendar& CalendarOf(db::Connection& conn, const std::string& plant,
                             CalendarCache& calendars);
  absl::StatusOr<ArmResult> ArmOne(db::Connection& conn, const ArmInput& input,
                                   const Policy& policy, absl::Time now, CalendarCache& calendars);
  // The plant's stored calendar (locked when `lock`) and version; version 0: the default one.
  std::pair<Calendar, int64_t> LoadCalendar(db::Connection& conn, const std::string& plant,
                                            bool lock);
  // Stores `calendar` as version `version` and recomputes the plant's open timers' stages.
  absl::Status WriteCalendar(db::Connection& conn, const Calendar& calendar, int64_t version);
  // Sets the due times of `t`'s stages in `states` to the plan of its policy in `calendar`,
  // its pauses counted; `resume` also sets them pending.
  absl::Status Replan(db::Connection& conn, const Timer& t, const Calendar& calendar,
                      const char* states, bool resume);

  db::ConnectionPool& pool_;
  const Policies policies_;
  const PlantCalendars plants_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_TIMER_STORE_H_
