#include "services/complaints/lifecycle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"

namespace qms::complaints {
namespace {

using S = ComplaintStatus;

// The transition table: which states each step starts from, and where it leads.
struct Rule {
  std::vector<S> from;
  std::optional<S> to;  // none: depends on the input (Verify) or stays (Waive)
};

template <typename T>
const Rule& RuleOf();
template <>
const Rule& RuleOf<TriageStep>() {
  static const Rule r{{S::kReceived}, S::kTriaged};
  return r;
}
template <>
const Rule& RuleOf<SubmitContainmentStep>() {
  static const Rule r{{S::kTriaged}, S::kContained};
  return r;
}
template <>
const Rule& RuleOf<SubmitRootCauseStep>() {
  static const Rule r{{S::kContained}, S::kRootCauseIdentified};
  return r;
}
template <>
const Rule& RuleOf<SubmitActionsStep>() {
  static const Rule r{{S::kRootCauseIdentified, S::kActionsRejected}, S::kActionsProposed};
  return r;
}
template <>
const Rule& RuleOf<WaivePreventiveStep>() {
  static const Rule r{{S::kRootCauseIdentified, S::kActionsRejected, S::kActionsProposed},
                      std::nullopt};
  return r;
}
template <>
const Rule& RuleOf<ApproveStep>() {
  static const Rule r{{S::kActionsProposed}, S::kApproved};
  return r;
}
template <>
const Rule& RuleOf<RejectStep>() {
  static const Rule r{{S::kActionsProposed}, S::kActionsRejected};
  return r;
}
template <>
const Rule& RuleOf<ReplyStep>() {
  static const Rule r{{S::kApproved}, S::kReplied};
  return r;
}
template <>
const Rule& RuleOf<VerifyStep>() {
  static const Rule r{{S::kReplied}, std::nullopt};
  return r;
}
template <>
const Rule& RuleOf<ReopenStep>() {
  static const Rule r{{S::kReplied, S::kClosed}, S::kReopened};
  return r;
}

template <>
const Rule& RuleOf<RecordReturnStep>() {
  static const Rule r{
      {S::kReceived, S::kTriaged, S::kContained, S::kRootCauseIdentified, S::kActionsProposed,
       S::kActionsRejected, S::kApproved, S::kReplied, S::kClosed, S::kReopened},
      std::nullopt};
  return r;
}

const Rule& RuleOfStep(const Step& step) {
  return std::visit(
      [](const auto& s) -> const Rule& { return RuleOf<std::decay_t<decltype(s)>>(); }, step);
}

absl::Status NotAllowed(const Step& step, S from) {
  const Rule& rule = RuleOfStep(step);
  std::vector<std::string> allowed;
  for (S s : rule.from) allowed.emplace_back(ToString(s));
  return absl::FailedPreconditionError(
      absl::StrCat(StepName(step), " cannot move a complaint in state ", ToString(from), " to ",
                   rule.to ? ToString(*rule.to) : ToString(from), "; it is allowed from ",
                   absl::StrJoin(allowed, ", ")));
}

// Input checks, one per kind of field.
class Check {
 public:
  void Text(absl::string_view field, const std::string& value, bool required,
            size_t max = kMaxTextLength) {
    if (required && value.empty()) {
      v_.Add(std::string(field), "is required");
    } else if (value.size() > max) {
      v_.Add(std::string(field), absl::StrCat("is longer than ", max, " bytes"));
    }
  }
  void Date(absl::string_view field, const std::string& value, bool required) {
    if (value.empty()) {
      if (required) v_.Add(std::string(field), "is required");
      return;
    }
    absl::CivilDay day;
    if (value.size() != 10 || !absl::ParseCivilTime(value, &day) || day.year() < 2000 ||
        day.year() > 2199) {
      v_.Add(std::string(field), "must be a date YYYY-MM-DD from 2000 on");
    }
  }
  void Quantity(absl::string_view field, int64_t value) {
    if (value < 0) v_.Add(std::string(field), "must not be negative");
  }
  void Actions(absl::string_view field, const std::vector<Action>& actions, bool required) {
    if (required && actions.empty()) v_.Add(std::string(field), "needs at least one action");
    if (actions.size() > kMaxActions) {
      v_.Add(std::string(field), absl::StrCat("has more than ", kMaxActions, " actions"));
    }
    for (size_t i = 0; i < actions.size() && i < kMaxActions; ++i) {
      const Action& a = actions[i];
      const std::string at = absl::StrCat(field, "[", i, "].");
      Text(at + "description", a.description, true);
      Text(at + "responsible_department", a.responsible_department, true, kMaxNameLength);
      Text(at + "owner", a.owner, true, kMaxNameLength);
      Date(at + "due_date", a.due_date, true);
      Text(at + "evidence", a.evidence, false);
    }
  }
  void Whys(absl::string_view field, const std::vector<std::string>& whys, bool required) {
    if (required && whys.empty()) v_.Add(std::string(field), "needs at least one why");
    if (whys.size() > kMaxWhys) {
      v_.Add(std::string(field), absl::StrCat("has more than ", kMaxWhys, " whys"));
    }
    for (size_t i = 0; i < whys.size() && i < kMaxWhys; ++i) {
      Text(absl::StrCat(field, "[", i, "]"), whys[i], true);
    }
  }
  void Add(absl::string_view field, absl::string_view description) {
    v_.Add(std::string(field), std::string(description));
  }
  absl::Status status() const { return v_.ToStatus(); }

 private:
  FieldViolations v_;
};

// End of the improvement date in the plant's calendar: verification is due then.
absl::Time EndOfDay(const std::string& date, absl::TimeZone zone) {
  absl::CivilDay day;
  absl::ParseCivilTime(date, &day);
  return absl::FromCivil(day + 1, zone);
}

std::string Name(const Complaint& c) { return ResourceName(c); }

std::string VerificationSubject(const Complaint& c, size_t round) {
  return absl::StrCat(Name(c), "/verifications/", round);
}

TimerCommand Arm(std::string subject, const char* policy, absl::Time start,
                 std::optional<absl::Time> due = std::nullopt) {
  return {TimerCommand::Kind::kArm, std::move(subject), policy, start, due, "", ""};
}
TimerCommand Disarm(std::string subject, const char* policy) {
  return {TimerCommand::Kind::kDisarm,
          std::move(subject),
          policy,
          absl::InfinitePast(),
          std::nullopt,
          "",
          ""};
}

bool Before(const std::string& date, absl::Time now, absl::TimeZone zone) {
  absl::CivilDay day;
  return absl::ParseCivilTime(date, &day) && day < absl::ToCivilDay(now, zone);
}

// Each step: validate its input, then move.
struct Mover {
  const Complaint& in;
  const Context& ctx;
  Outcome out{in, {}};

  absl::Status operator()(const TriageStep& s) {
    Check c;
    c.Text("triage.responsible_department", s.triage.responsible_department, true, kMaxNameLength);
    if (s.triage.severity == Severity::kUnspecified) c.Add("triage.severity", "is required");
    c.Text("triage.meeting_notes", s.triage.meeting_notes, false);
    if (s.triage.team.size() > kMaxTeam) c.Add("triage.team", "has too many members");
    for (size_t i = 0; i < s.triage.team.size() && i < kMaxTeam; ++i) {
      c.Text(absl::StrCat("triage.team[", i, "].name"), s.triage.team[i].name, true,
             kMaxNameLength);
      c.Text(absl::StrCat("triage.team[", i, "].department"), s.triage.team[i].department, false,
             kMaxNameLength);
      c.Text(absl::StrCat("triage.team[", i, "].role"), s.triage.team[i].role, false,
             kMaxNameLength);
    }
    const ProblemStatement& p = s.triage.problem;
    c.Text("triage.problem.what", p.what, true);
    for (auto [name, value] : {std::pair{"where", &p.where},
                               {"when", &p.when},
                               {"who", &p.who},
                               {"why", &p.why},
                               {"how", &p.how},
                               {"how_many", &p.how_many}}) {
      c.Text(absl::StrCat("triage.problem.", name), *value, false);
    }
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.triage = s.triage;
    return absl::OkStatus();
  }

  absl::Status operator()(const SubmitContainmentStep& s) {
    Check c;
    c.Actions("containment.actions", s.containment.actions, true);
    c.Quantity("containment.quantity_quarantined_at_site",
               s.containment.quantity_quarantined_at_site);
    c.Quantity("containment.quantity_sorted_at_site", s.containment.quantity_sorted_at_site);
    c.Quantity("containment.quantity_in_transit", s.containment.quantity_in_transit);
    c.Quantity("containment.quantity_at_customer", s.containment.quantity_at_customer);
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.containment = s.containment;
    out.complaint.contain_time = ctx.now;
    out.timers.push_back(Disarm(Name(in), kContainmentPolicy));
    return absl::OkStatus();
  }

  absl::Status operator()(const SubmitRootCauseStep& s) {
    Check c;
    c.Whys("root_cause.why_occurred", s.root_cause.why_occurred, true);
    c.Whys("root_cause.why_not_detected", s.root_cause.why_not_detected, true);
    c.Whys("root_cause.why_not_prevented", s.root_cause.why_not_prevented, true);
    if (s.root_cause.category == CauseCategory::kUnspecified) {
      c.Add("root_cause.category", "is required (5M1E)");
    }
    c.Text("root_cause.summary", s.root_cause.summary, false);
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.root_cause = s.root_cause;
    return absl::OkStatus();
  }

  absl::Status operator()(const SubmitActionsStep& s) {
    Check c;
    c.Actions("corrective_actions", s.corrective, true);
    c.Actions("preventive_actions", s.preventive, !in.preventive_waiver.has_value());
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.corrective_actions = s.corrective;
    out.complaint.preventive_actions = s.preventive;
    return absl::OkStatus();
  }

  absl::Status operator()(const WaivePreventiveStep& s) {
    Check c;
    if (s.reason == WaiverReason::kUnspecified) {
      c.Add("reason", "is required (NOT_ECONOMICAL or NO_POTENTIAL_CAUSE)");
    }
    c.Text("explanation", s.explanation, true);
    if (auto st = c.status(); !st.ok()) return st;
    if (!ctx.actor.Has(kGeneralManager)) {
      return absl::PermissionDeniedError("only the general manager may waive a preventive action");
    }
    out.complaint.preventive_waiver =
        PreventiveWaiver{s.reason, s.explanation, ctx.actor.subject, ctx.now};
    return absl::OkStatus();
  }

  absl::Status Decide(bool approved, const std::string& comments) {
    if (!ctx.actor.Has(kGeneralManager)) {
      return absl::PermissionDeniedError("only the general manager decides on the actions (核决)");
    }
    out.complaint.decisions.push_back(Decision{approved, comments, ctx.actor.subject, ctx.now});
    return absl::OkStatus();
  }

  absl::Status operator()(const ApproveStep& s) {
    Check c;
    c.Text("comments", s.comments, false);
    if (auto st = c.status(); !st.ok()) return st;
    return Decide(true, s.comments);
  }

  absl::Status operator()(const RejectStep& s) {
    Check c;
    c.Text("comments", s.comments, true);
    if (auto st = c.status(); !st.ok()) return st;
    return Decide(false, s.comments);
  }

  absl::Status operator()(const ReplyStep& s) {
    Check c;
    c.Text("text", s.text, true);
    c.Date("improvement_date", s.improvement_date, true);
    if (c.status().ok() && Before(s.improvement_date, ctx.now, ctx.zone)) {
      c.Add("improvement_date", "is in the past");
    }
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.reply = Reply{s.text, ctx.actor.subject, ctx.now};
    out.complaint.reply_time = ctx.now;
    out.complaint.improvement_date = s.improvement_date;
    out.timers.push_back(Disarm(Name(in), kCorrectiveActionPolicy));
    out.timers.push_back(Arm(VerificationSubject(in, 1), kVerificationPolicy, ctx.now,
                             EndOfDay(s.improvement_date, ctx.zone)));
    return absl::OkStatus();
  }

  absl::Status operator()(const VerifyStep& s) {
    Check c;
    c.Text("notes", s.notes, !s.effective);
    if (s.effective) {
      if (!s.new_improvement_date.empty()) {
        c.Add("new_improvement_date", "is only for a verification that was not effective");
      }
    } else {
      c.Date("new_improvement_date", s.new_improvement_date, true);
      if (c.status().ok() && Before(s.new_improvement_date, ctx.now, ctx.zone)) {
        c.Add("new_improvement_date", "is in the past");
      }
    }
    if (auto st = c.status(); !st.ok()) return st;
    const size_t round = in.verifications.size() + 1;
    out.complaint.verifications.push_back(
        Verification{s.effective, s.notes, s.new_improvement_date, ctx.actor.subject, ctx.now});
    out.timers.push_back(Disarm(VerificationSubject(in, round), kVerificationPolicy));
    if (s.effective) {
      out.complaint.status = S::kClosed;
      out.complaint.close_time = ctx.now;
    } else {
      out.complaint.improvement_date = s.new_improvement_date;
      out.timers.push_back(Arm(VerificationSubject(in, round + 1), kVerificationPolicy, ctx.now,
                               EndOfDay(s.new_improvement_date, ctx.zone)));
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const ReopenStep& s) {
    Check c;
    c.Text("reason", s.reason, true);
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.reopened_as = ContinuationNumber(in);
    if (in.status == S::kReplied) {
      out.timers.push_back(
          Disarm(VerificationSubject(in, in.verifications.size() + 1), kVerificationPolicy));
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const RecordReturnStep& s) {
    Check c;
    c.Text("return_name", s.return_name, true, kMaxNameLength * 2);
    if (auto st = c.status(); !st.ok()) return st;
    out.complaint.intake.goods_returned = true;
    std::vector<SeriousReason>& reasons = out.complaint.serious_reasons;
    if (std::find(reasons.begin(), reasons.end(), SeriousReason::kReturnOrExchange) ==
        reasons.end()) {
      reasons.insert(reasons.begin(), SeriousReason::kReturnOrExchange);
      out.timers.push_back({TimerCommand::Kind::kEscalate, Name(in), kSeriousEscalation, ctx.now,
                            std::nullopt, absl::StrCat("RETURN_OR_EXCHANGE: ", s.return_name),
                            in.intake.customer});
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::string StepName(const Step& step) {
  static const char* const kNames[] = {
      "TriageComplaint",       "SubmitContainment", "SubmitRootCause", "SubmitActions",
      "WaivePreventiveAction", "ApproveActions",    "RejectActions",   "ReplyToCustomer",
      "VerifyEffectiveness",   "ReopenComplaint",   "RecordReturn"};
  static_assert(std::variant_size_v<Step> == std::size(kNames));
  return kNames[step.index()];
}

bool AllowedFrom(const Step& step, ComplaintStatus status) {
  for (S s : RuleOfStep(step).from) {
    if (s == status) return true;
  }
  return false;
}

absl::StatusOr<Outcome> Apply(const Complaint& complaint, const Step& step,
                              const Context& context) {
  Mover mover{complaint, context};
  // Input first: a malformed request is INVALID_ARGUMENT whatever the state.
  if (absl::Status st = std::visit(mover, step); !st.ok()) return st;
  if (!AllowedFrom(step, complaint.status)) return NotAllowed(step, complaint.status);
  if (const auto& to = RuleOfStep(step).to) mover.out.complaint.status = *to;
  for (TimerCommand& t : mover.out.timers) {
    if (t.kind != TimerCommand::Kind::kDisarm) t.customer = complaint.intake.customer;
  }
  return std::move(mover.out);
}

std::vector<TimerCommand> IntakeTimers(const Complaint& c) {
  std::vector<TimerCommand> timers;
  const absl::Time received = c.intake.received_time;
  timers.push_back(Arm(Name(c), kContainmentPolicy, received));
  // The plant calendar in the notification service places "3 working days" (holidays, make-up
  // days); only the customer's own date is sent as an explicit due time.
  timers.push_back(
      Arm(Name(c), kCorrectiveActionPolicy, received, c.intake.customer_required_reply_time));
  if (!c.serious_reasons.empty()) {
    std::vector<std::string> reasons;
    for (SeriousReason r : c.serious_reasons) reasons.emplace_back(ToString(r));
    timers.push_back({TimerCommand::Kind::kEscalate, Name(c), kSeriousEscalation, received,
                      std::nullopt, absl::StrJoin(reasons, ","), c.intake.customer});
  }
  for (TimerCommand& t : timers) t.customer = c.intake.customer;
  return timers;
}

std::string ContinuationNumber(const Complaint& original) {
  const std::string first = original.reopen_index == 0
                                ? original.number
                                : original.number.substr(0, original.number.rfind('-'));
  return absl::StrCat(first, "-", original.reopen_index + 1);
}

Complaint ContinuationOf(const Complaint& original, absl::Time now, const Calendar& calendar) {
  Complaint next;
  next.plant = original.plant;
  next.reopen_index = original.reopen_index + 1;
  next.number = ContinuationNumber(original);
  next.status = S::kReceived;
  next.intake = original.intake;
  next.intake.received_time = now;
  next.intake.customer_required_reply_time.reset();
  next.corrective_action_due = CorrectiveActionDue(next.intake, calendar);
  next.serious_reasons = original.serious_reasons;
  next.reopened_from = original.number;
  next.create_time = now;
  next.update_time = now;
  return next;
}

}  // namespace qms::complaints
