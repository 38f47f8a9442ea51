#include "services/notifications/policy.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace qms::notifications {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("policies: ", where, ": ", what));
}

absl::StatusOr<absl::Duration> CalendarTime(const std::string& where, const std::string& text) {
  absl::StatusOr<Span> span = ParseSpan(text);
  if (!span.ok()) return Bad(where, span.status().message());
  if (span->unit != Unit::kCalendarHours) return Bad(where, "must be calendar time (e.g. 4h)");
  return span->time;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key)) {
    for (const json& s : j.at(key)) out.push_back(s.get<std::string>());
  }
  return out;
}

absl::StatusOr<DeadlineRule> ParseDeadline(const json& j, const std::string& where) {
  DeadlineRule d;
  d.name = j.at("name").get<std::string>();
  if (d.name.empty()) return Bad(where, "name is required");
  d.duration_text = j.at("duration").get<std::string>();
  absl::StatusOr<Span> span = ParseSpan(d.duration_text);
  if (!span.ok()) return Bad(where, span.status().message());
  d.duration = *span;
  d.warn_at_percent = j.value("warn_at_percent", 0);
  if (d.warn_at_percent < 0 || d.warn_at_percent >= 100) {
    return Bad(where, "warn_at_percent must be in [0, 100)");
  }
  d.warn_before_text = j.value("warn_before", "");
  if (!d.warn_before_text.empty()) {
    if (d.warn_at_percent > 0) return Bad(where, "give warn_at_percent or warn_before, not both");
    absl::StatusOr<absl::Duration> before = CalendarTime(where, d.warn_before_text);
    if (!before.ok()) return before.status();
    d.warn_before = *before;
  }
  d.roles = Strings(j, "roles");
  int level = 0;
  if (j.contains("escalations")) {
    for (const json& e : j.at("escalations")) {
      EscalationRule rule;
      rule.level = ++level;
      rule.after_text = e.at("after").get<std::string>();
      absl::StatusOr<absl::Duration> after =
          CalendarTime(absl::StrCat(where, ".escalations[", level - 1, "]"), rule.after_text);
      if (!after.ok()) return after.status();
      rule.after = *after;
      rule.roles = Strings(e, "roles");
      d.escalations.push_back(std::move(rule));
    }
  }
  if (level > kStagesPerDeadline - 2) return Bad(where, "too many escalation levels");
  return d;
}

}  // namespace

absl::StatusOr<Policies> ParsePolicies(absl::string_view text) {
  Policies out;
  try {
    const json root = json::parse(text.begin(), text.end());
    for (const json& p : root.at("policies")) {
      Policy policy;
      policy.name = p.at("name").get<std::string>();
      const std::string where = absl::StrCat("policy \"", policy.name, "\"");
      if (policy.name.empty()) return Bad(where, "name is required");
      policy.description = p.value("description", "");
      for (const json& d : p.at("deadlines")) {
        absl::StatusOr<DeadlineRule> rule =
            ParseDeadline(d, absl::StrCat(where, " deadline[", policy.deadlines.size(), "]"));
        if (!rule.ok()) return rule.status();
        policy.deadlines.push_back(*std::move(rule));
      }
      if (policy.deadlines.empty()) return Bad(where, "needs at least one deadline");
      if (!out.emplace(policy.name, policy).second) return Bad(where, "is defined twice");
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("policies: ", e.what()));
  }
  return out;
}

absl::StatusOr<const Policy*> ConfiguredPolicy(const Policies& policies, absl::string_view name,
                                               absl::string_view field) {
  auto it = policies.find(name);
  if (it == policies.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": \"", name, "\" is not a configured policy (see ListPolicies)"));
  }
  return &it->second;
}

absl::StatusOr<std::vector<PlannedStage>> PlanStages(const Policy& policy, const Calendar& calendar,
                                                     absl::Time start,
                                                     std::optional<absl::Time> explicit_due,
                                                     Paused paused) {
  std::vector<PlannedStage> stages;
  for (size_t d = 0; d < policy.deadlines.size(); ++d) {
    const DeadlineRule& rule = policy.deadlines[d];
    const bool explicit_deadline = d == 0 && explicit_due.has_value();
    const bool in_working_time = !explicit_deadline && rule.duration.unit != Unit::kCalendarHours;
    // A moment of the unpaused plan, moved by the pauses in the deadline's own unit.
    const auto moved = [&](absl::Time t) -> absl::StatusOr<absl::Time> {
      if (!in_working_time) return t + paused.wall;
      return Deadline(calendar, t, Span{Unit::kWorkingHours, paused.working, 0});
    };
    absl::Time planned;
    if (explicit_deadline) {
      planned = *explicit_due;
    } else {
      absl::StatusOr<absl::Time> computed = Deadline(calendar, start, rule.duration);
      if (!computed.ok()) return computed.status();
      planned = *computed;
    }
    absl::StatusOr<absl::Time> due = moved(planned);
    if (!due.ok()) return due.status();
    const int base = static_cast<int>(d) * kStagesPerDeadline;
    std::optional<absl::Time> warn;
    if (rule.warn_at_percent > 0) {
      absl::StatusOr<absl::Time> at = moved(start + (planned - start) * rule.warn_at_percent / 100);
      if (!at.ok()) return at.status();
      warn = *at;
    } else if (rule.warn_before > absl::ZeroDuration()) {
      warn = *due - rule.warn_before;
    }
    if (warn && *warn > start && *warn < *due) {
      stages.push_back({base, rule.name, StageKind::kWarning, 0, *warn, rule.roles});
    }
    stages.push_back({base + 1, rule.name, StageKind::kBreach, 0, *due, rule.roles});
    for (const EscalationRule& e : rule.escalations) {
      stages.push_back({base + 1 + e.level, rule.name, StageKind::kEscalation, e.level,
                        *due + e.after, e.roles});
    }
  }
  return stages;
}

}  // namespace qms::notifications
