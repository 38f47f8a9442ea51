// Response-timer policies and the stages a timer goes through. Plain C++, no I/O.
//
// A policy has one or more deadlines (audit.2485 has three: countermeasure 24 h, analysis 48 h,
// closure 5 days). Each deadline becomes stages: an optional warning before it, the breach at it,
// and an escalation ladder after it. Each stage fires at most once; disarming a deadline cancels
// its stages that have not fired.
#ifndef QMS_SERVICES_NOTIFICATIONS_POLICY_H_
#define QMS_SERVICES_NOTIFICATIONS_POLICY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/calendar.h"

namespace qms::notifications {

struct EscalationRule {
  int level = 1;
  absl::Duration after;  // calendar time after the deadline
  std::string after_text;
  std::vector<std::string> roles;
};

struct DeadlineRule {
  std::string name;
  Span duration;
  std::string duration_text;
  int warn_at_percent = 0;  // of the time between start and deadline; 0: see warn_before
  absl::Duration warn_before;
  std::string warn_before_text;
  std::vector<std::string> roles;
  std::vector<EscalationRule> escalations;
};

struct Policy {
  std::string name;
  std::string description;
  std::vector<DeadlineRule> deadlines;
};

using Policies = std::map<std::string, Policy, std::less<>>;

// The policy named `name`, or FAILED_PRECONDITION naming `field` when this deployment does not
// configure it. Not INVALID_ARGUMENT: the request is well formed and configuration can cure it
// (a service deployed before notifications learns its policy), so a caller's relay retries it.
absl::StatusOr<const Policy*> ConfiguredPolicy(const Policies& policies, absl::string_view name,
                                               absl::string_view field = "policy");

// Each service that arms timers owns its policies (services/<svc>/policies.json); notifications
// owns none and is given every service's file (--policies_files). Parses one such file:
// {"policies": [{"name", "description", "deadlines": [{"name", "duration", "warn_at_percent" |
// "warn_before", "roles", "escalations": [{"after", "roles"}]}]}]}. INVALID_ARGUMENT naming the
// entry at fault.
absl::StatusOr<Policies> ParsePolicies(absl::string_view json);

enum class StageKind { kWarning = 1, kBreach = 2, kEscalation = 3 };

// Stage numbers are stable per policy: deadline d, kind and level give the same index each time,
// so a recomputation updates the same rows.
struct PlannedStage {
  int index = 0;
  std::string deadline;
  StageKind kind = StageKind::kBreach;
  int level = 0;
  absl::Time due;
  std::vector<std::string> roles;
};

inline constexpr int kStagesPerDeadline = 16;  // warning, breach, up to 14 escalation levels

// How long a timer was paused: in wall time, and the working time inside those pauses.
struct Paused {
  absl::Duration wall;
  absl::Duration working;
};

// The stages of a timer of `policy` started at `start` in `calendar`. `explicit_due` replaces the
// first deadline's computed time (the customer's date). A warning that would not come after the
// start is left out. `paused` moves each deadline (and the stages around it) by the working time
// paused when it is counted in working hours or days, else by the wall time paused.
absl::StatusOr<std::vector<PlannedStage>> PlanStages(const Policy& policy, const Calendar& calendar,
                                                     absl::Time start,
                                                     std::optional<absl::Time> explicit_due,
                                                     Paused paused = {});

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_POLICY_H_
