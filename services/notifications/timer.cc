#include "services/notifications/timer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace qms::notifications {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

absl::StatusOr<std::vector<NewStage>> StagesOfArm(const Policy& policy, const Calendar& calendar,
                                                  std::optional<absl::Time> start,
                                                  std::optional<absl::Time> due, absl::Time now,
                                                  const std::vector<std::string>& disarmed) {
  absl::StatusOr<std::vector<PlannedStage>> plan =
      PlanStages(policy, calendar, start.value_or(now), due);
  if (!plan.ok()) return plan.status();
  std::vector<NewStage> stages;
  for (PlannedStage& s : *plan) {
    const bool cancelled = Contains(disarmed, s.deadline);
    stages.push_back({std::move(s), cancelled});
  }
  return stages;
}

absl::StatusOr<std::optional<std::vector<NewStage>>> Arm(Timer& t, const Policy& policy,
                                                         const Calendar& calendar,
                                                         std::optional<absl::Time> start,
                                                         std::optional<absl::Time> due,
                                                         absl::Time now) {
  if (t.state != TimerState::kNotArmed) return std::nullopt;
  absl::StatusOr<std::vector<NewStage>> stages =
      StagesOfArm(policy, calendar, start, due, now, t.disarmed_deadlines);
  if (!stages.ok()) return stages.status();
  t.start_time = start.value_or(now);
  t.explicit_due = due;
  t.state = TimerState::kArmed;
  t.arm_time = now;
  return *std::move(stages);
}

absl::Status CheckDeadline(const Policy& policy, const std::string& deadline) {
  if (deadline.empty()) return absl::OkStatus();
  for (const DeadlineRule& d : policy.deadlines) {
    if (d.name == deadline) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("policy ", policy.name, " has no deadline ", deadline));
}

absl::StatusOr<Disarmed> Disarm(Timer& t, const Policy& policy, const std::string& deadline,
                                absl::Time now) {
  if (absl::Status checked = CheckDeadline(policy, deadline); !checked.ok()) return checked;
  std::vector<std::string> all;
  for (const DeadlineRule& d : policy.deadlines) all.push_back(d.name);
  Disarmed out;
  if (t.state == TimerState::kDisarmed) return out;
  out.changed = true;
  for (const std::string& d : all) {
    if (Contains(t.disarmed_deadlines, d) || (!deadline.empty() && d != deadline)) continue;
    t.disarmed_deadlines.push_back(d);
    if (t.start_time && t.state != TimerState::kNotArmed) {
      out.responses.emplace_back(d, now - *t.start_time - t.paused);
    }
  }
  if (t.disarmed_deadlines.size() >= all.size()) {
    t.state = TimerState::kDisarmed;
    t.disarm_time = now;
    t.pause_time.reset();
  }
  return out;
}

bool Pause(Timer& t, absl::Time now) {
  if (t.state != TimerState::kArmed) return false;
  t.state = TimerState::kPaused;
  t.pause_time = now;
  return true;
}

absl::StatusOr<Resumed> Resume(Timer& t, const Policy* policy, const Calendar& calendar,
                               absl::Time now) {
  Resumed out;
  if (t.state != TimerState::kPaused) return out;
  const absl::Time paused_at = t.pause_time.value_or(now);
  t.paused += now - paused_at;
  t.paused_working += WorkingTimeBetween(calendar, paused_at, now);
  if (policy != nullptr && t.start_time) {
    absl::StatusOr<std::vector<PlannedStage>> plan = Replan(t, *policy, calendar);
    if (!plan.ok()) return plan.status();
    out.plan = *std::move(plan);
  }
  t.state = TimerState::kArmed;
  t.pause_time.reset();
  out.resumed = true;
  return out;
}

absl::StatusOr<std::vector<PlannedStage>> Replan(const Timer& t, const Policy& policy,
                                                 const Calendar& calendar) {
  if (!t.start_time) return absl::FailedPreconditionError("the timer has not started");
  return PlanStages(policy, calendar, *t.start_time, t.explicit_due,
                    Paused{t.paused, t.paused_working});
}

bool MakesOverdue(const Stage& stage, TimerState state, absl::Time now) {
  return stage.kind == StageKind::kBreach &&
         (stage.state == StageState::kPending || stage.state == StageState::kFired) &&
         stage.due <= now && (state == TimerState::kArmed || state == TimerState::kPaused);
}

}  // namespace qms::notifications
