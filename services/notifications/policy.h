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
#include "services/notifications/calendar.h"

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

// Parses the policies file: {"policies": [{"name", "description", "deadlines": [{"name",
// "duration", "warn_at_percent" | "warn_before", "roles", "escalations": [{"after", "roles"}]}]}]}.
// INVALID_ARGUMENT naming the entry at fault.
absl::StatusOr<Policies> ParsePolicies(absl::string_view json);

// The policies the suite's procedures demand (domain §6), used when no file is configured.
const char* BuiltinPoliciesJson();

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

// The stages of a timer of `policy` started at `start` in `calendar`. `explicit_due` replaces the
// first deadline's computed time (the customer's date). A warning that would not come after the
// start is left out.
absl::StatusOr<std::vector<PlannedStage>> PlanStages(const Policy& policy, const Calendar& calendar,
                                                     absl::Time start,
                                                     std::optional<absl::Time> explicit_due);

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_POLICY_H_
