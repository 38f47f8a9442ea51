#include "services/complaints/audit_finding.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"
#include "services/complaints/lifecycle.h"

namespace qms::complaints {
namespace {

constexpr std::pair<FindingStatus, absl::string_view> kStatusNames[] = {
    {FindingStatus::kOpen, "OPEN"},
    {FindingStatus::kContained, "CONTAINED"},
    {FindingStatus::kAnalyzed, "ANALYZED"},
    {FindingStatus::kClosed, "CLOSED"}};

void RequireText(FieldViolations& v, const char* field, const std::string& value, size_t max) {
  if (value.empty()) {
    v.Add(field, "is required");
  } else if (value.size() > max) {
    v.Add(field, absl::StrCat("is longer than ", max, " bytes"));
  }
}

absl::Status Move(const AuditFinding& f, FindingStatus from, FindingStatus to,
                  absl::string_view step) {
  if (f.status == from) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(step, " cannot move an audit finding in state ",
                                                    ToString(f.status), " to ", ToString(to),
                                                    "; it is allowed from ", ToString(from)));
}

TimerCommand StageDone(const AuditFinding& f, FindingStage stage) {
  return {TimerCommand::Kind::kDisarm,
          ResourceName(f),
          kAuditPolicy,
          absl::InfinitePast(),
          std::nullopt,
          stage == FindingStage::kClosure ? "" : std::string(ToString(stage)),
          ""};
}

}  // namespace

absl::string_view ToString(FindingStatus s) {
  for (const auto& [v, name] : kStatusNames) {
    if (v == s) return name;
  }
  return "UNKNOWN";
}

std::optional<FindingStatus> FindingStatusFromString(absl::string_view text) {
  for (const auto& [v, name] : kStatusNames) {
    if (name == text) return v;
  }
  return std::nullopt;
}

absl::string_view ToString(FindingStage s) {
  switch (s) {
    case FindingStage::kCountermeasure:
      return "countermeasure";
    case FindingStage::kAnalysis:
      return "analysis";
    case FindingStage::kClosure:
      return "closure";
  }
  return "unknown";
}

std::string ResourceName(const AuditFinding& f) {
  return absl::StrCat("plants/", f.plant, "/auditFindings/", f.id);
}

absl::Time DueTime(const AuditFinding& f, FindingStage stage) {
  switch (stage) {
    case FindingStage::kCountermeasure:
      return f.raised_time + kCountermeasureWindow;
    case FindingStage::kAnalysis:
      return f.raised_time + kAnalysisWindow;
    case FindingStage::kClosure:
      return f.raised_time + kClosureWindow;
  }
  return f.raised_time;
}

std::optional<absl::Time> DoneTime(const AuditFinding& f, FindingStage stage) {
  switch (stage) {
    case FindingStage::kCountermeasure:
      return f.countermeasure_time;
    case FindingStage::kAnalysis:
      return f.analysis_time;
    case FindingStage::kClosure:
      return f.close_time;
  }
  return std::nullopt;
}

std::vector<FindingStage> LateStages(const AuditFinding& f, absl::Time now) {
  std::vector<FindingStage> late;
  for (FindingStage s :
       {FindingStage::kCountermeasure, FindingStage::kAnalysis, FindingStage::kClosure}) {
    const auto done = DoneTime(f, s);
    if (done.value_or(now) > DueTime(f, s)) late.push_back(s);
  }
  return late;
}

absl::Status ValidateNewFinding(const AuditFinding& f, absl::Time now) {
  FieldViolations v;
  RequireText(v, "finding.customer", f.customer, kMaxCodeLength);
  RequireText(v, "finding.audited_area", f.audited_area, kMaxNameLength);
  RequireText(v, "finding.finding", f.finding, kMaxTextLength);
  RequireText(v, "finding.owner", f.owner, kMaxNameLength);
  const absl::Time earliest = absl::FromCivil(absl::CivilDay(2000, 1, 1), absl::UTCTimeZone());
  if (f.raised_time != absl::InfinitePast() &&
      (f.raised_time < earliest || f.raised_time > now + absl::Minutes(5))) {
    v.Add("finding.raised_time", "must be after 2000 and not in the future");
  }
  return v.ToStatus();
}

absl::StatusOr<FindingOutcome> SubmitCountermeasure(const AuditFinding& f,
                                                    const std::string& countermeasure,
                                                    absl::Time now) {
  FieldViolations v;
  RequireText(v, "countermeasure", countermeasure, kMaxTextLength);
  if (!v.empty()) return v.ToStatus();
  if (auto s = Move(f, FindingStatus::kOpen, FindingStatus::kContained, "SubmitCountermeasure");
      !s.ok()) {
    return s;
  }
  FindingOutcome out{f, {StageDone(f, FindingStage::kCountermeasure)}};
  out.finding.status = FindingStatus::kContained;
  out.finding.countermeasure = countermeasure;
  out.finding.countermeasure_time = now;
  return out;
}

absl::StatusOr<FindingOutcome> SubmitAnalysis(const AuditFinding& f, const std::string& root_cause,
                                              const std::string& long_term_action, absl::Time now) {
  FieldViolations v;
  RequireText(v, "root_cause", root_cause, kMaxTextLength);
  RequireText(v, "long_term_action", long_term_action, kMaxTextLength);
  if (!v.empty()) return v.ToStatus();
  if (auto s = Move(f, FindingStatus::kContained, FindingStatus::kAnalyzed, "SubmitAnalysis");
      !s.ok()) {
    return s;
  }
  FindingOutcome out{f, {StageDone(f, FindingStage::kAnalysis)}};
  out.finding.status = FindingStatus::kAnalyzed;
  out.finding.root_cause = root_cause;
  out.finding.long_term_action = long_term_action;
  out.finding.analysis_time = now;
  return out;
}

absl::StatusOr<FindingOutcome> CloseFinding(const AuditFinding& f, const std::string& notes,
                                            absl::Time now) {
  FieldViolations v;
  RequireText(v, "closing_notes", notes, kMaxTextLength);
  if (!v.empty()) return v.ToStatus();
  if (auto s = Move(f, FindingStatus::kAnalyzed, FindingStatus::kClosed, "CloseAuditFinding");
      !s.ok()) {
    return s;
  }
  FindingOutcome out{f, {StageDone(f, FindingStage::kClosure)}};
  out.finding.status = FindingStatus::kClosed;
  out.finding.closing_notes = notes;
  out.finding.close_time = now;
  return out;
}

TimerCommand FindingTimer(const AuditFinding& f) {
  return {TimerCommand::Kind::kArm,
          ResourceName(f),
          kAuditPolicy,
          f.raised_time,
          std::nullopt,
          "",
          f.customer};
}

}  // namespace qms::complaints
