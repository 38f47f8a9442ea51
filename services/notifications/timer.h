// A response timer and what happens to it: armed, a deadline disarmed, paused, resumed, its
// stages replanned. Plain C++, no I/O, as lifecycle.h is for complaints: the store reads a timer,
// applies one of these and writes what it says.
//
// A timer (one per subject and policy) is not armed when only a disarm has reached it (a
// tombstone: the commands of one subject can arrive out of order), armed, paused (its stages
// held, not overdue) or disarmed (every deadline answered). Its stages come from its policy
// (policy.h); a disarmed deadline's stages are cancelled, never fired.
#ifndef QMS_SERVICES_NOTIFICATIONS_TIMER_H_
#define QMS_SERVICES_NOTIFICATIONS_TIMER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/calendar.h"
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

// A stage to store for a timer armed now: cancelled when its deadline was disarmed first.
struct NewStage {
  PlannedStage stage;
  bool cancelled = false;
};

// The stages of a timer of `policy` armed now, starting at `start` (default `now`), its first
// deadline at `due` when given; those of `disarmed` deadlines cancelled.
absl::StatusOr<std::vector<NewStage>> StagesOfArm(const Policy& policy, const Calendar& calendar,
                                                  std::optional<absl::Time> start,
                                                  std::optional<absl::Time> due, absl::Time now,
                                                  const std::vector<std::string>& disarmed = {});

// Arms `t` when it is not armed (a new timer, or a tombstone): it starts at `start` (default
// `now`), its first deadline at `due` when given; returns its stages. nullopt when it is armed,
// paused or disarmed already: arming again changes nothing.
absl::StatusOr<std::optional<std::vector<NewStage>>> Arm(Timer& t, const Policy& policy,
                                                         const Calendar& calendar,
                                                         std::optional<absl::Time> start,
                                                         std::optional<absl::Time> due,
                                                         absl::Time now);

struct Disarmed {
  bool changed = false;  // false: nothing left to disarm (a repeat)
  // The deadlines disarmed now, with the time from the start, pauses left out (the response
  // time); none for a tombstone.
  std::vector<std::pair<std::string, absl::Duration>> responses;
};

// OK when `deadline` is empty (every deadline) or one of `policy`'s, else INVALID_ARGUMENT.
absl::Status CheckDeadline(const Policy& policy, const std::string& deadline);

// Disarms `deadline` of `t` (empty: every deadline). INVALID_ARGUMENT when the policy has no
// such deadline. A timer not armed yet keeps the deadline as disarmed (a tombstone for its arm);
// the timer is disarmed once every deadline is.
absl::StatusOr<Disarmed> Disarm(Timer& t, const Policy& policy, const std::string& deadline,
                                absl::Time now);

// Pauses an armed timer (its pending stages are then held); false when it is not armed.
bool Pause(Timer& t, absl::Time now);

// Resumes a paused timer: the pause counts in wall and in working time, and the held stages get
// the due times of the plan with every pause so far (nullopt plan: no policy or start to plan
// from; the held stages run on as they were). false in `resumed` when it was not paused.
struct Resumed {
  bool resumed = false;
  std::optional<std::vector<PlannedStage>> plan;
};
absl::StatusOr<Resumed> Resume(Timer& t, const Policy* policy, const Calendar& calendar,
                               absl::Time now);

// The plan of `t`'s stages in `calendar` with its pauses counted (after a calendar change).
absl::StatusOr<std::vector<PlannedStage>> Replan(const Timer& t, const Policy& policy,
                                                 const Calendar& calendar);

// Whether `stage` of a timer in `state` makes it overdue at `now`: a breach due and not answered
// (pending or fired) while the timer runs. A held stage is not: its deadline moves on resume.
bool MakesOverdue(const Stage& stage, TimerState state, absl::Time now);

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_TIMER_H_
