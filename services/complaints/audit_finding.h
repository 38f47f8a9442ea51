// Customer audit findings (客户稽核 问题点) and the "2485" rule (domain brief §1): a temporary
// countermeasure within 24 h, root cause and long-term countermeasure within 48 h, closed within
// 5 days. Findings late at any stage go on the blacklist ledger (稽核闭环跟进落实黑名单台帐).
#ifndef QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_H_
#define QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/complaints/complaint.h"
#include "services/complaints/lifecycle.h"

namespace qms::complaints {

enum class FindingStatus {
  kOpen,       // raised; countermeasure due in 24 h
  kContained,  // countermeasure in place; root cause and long-term action due at 48 h
  kAnalyzed,   // analysed; closure due at 5 days
  kClosed,
};
absl::string_view ToString(FindingStatus s);
std::optional<FindingStatus> FindingStatusFromString(absl::string_view text);

// The three stages, in order.
enum class FindingStage { kCountermeasure, kAnalysis, kClosure };
absl::string_view ToString(FindingStage s);

inline constexpr absl::Duration kCountermeasureWindow = absl::Hours(24);
inline constexpr absl::Duration kAnalysisWindow = absl::Hours(48);
inline constexpr absl::Duration kClosureWindow = absl::Hours(24 * 5);
inline constexpr char kAuditPolicy[] = "audit.2485";

struct AuditFinding {
  std::string plant;
  int64_t id = 0;
  FindingStatus status = FindingStatus::kOpen;
  std::string customer;
  std::string audited_area;
  std::string finding;
  std::string owner;
  absl::Time raised_time;  // when the customer's auditor raised it

  std::string countermeasure;
  std::optional<absl::Time> countermeasure_time;
  std::string root_cause;
  std::string long_term_action;
  std::optional<absl::Time> analysis_time;
  std::string closing_notes;
  std::optional<absl::Time> close_time;

  int64_t version = 1;
  absl::Time create_time;
  absl::Time update_time;
};

// "plants/{plant}/auditFindings/{id}"
std::string ResourceName(const AuditFinding& f);

absl::Time DueTime(const AuditFinding& f, FindingStage stage);
// When the stage was done, if it was.
std::optional<absl::Time> DoneTime(const AuditFinding& f, FindingStage stage);

// The stages that were done after their due time, or are not done and past due at `now`.
std::vector<FindingStage> LateStages(const AuditFinding& f, absl::Time now);
// On the blacklist ledger: late at any stage.
inline bool Blacklisted(const AuditFinding& f, absl::Time now) {
  return !LateStages(f, now).empty();
}

// INVALID_ARGUMENT naming each bad field of a new finding; raised_time may not be in the future.
absl::Status ValidateNewFinding(const AuditFinding& f, absl::Time now);

// The moves of a finding; like lifecycle.h's Apply: input errors, then FAILED_PRECONDITION
// naming both states. Each returns the finding after the move and the timer commands.
struct FindingOutcome {
  AuditFinding finding;
  std::vector<TimerCommand> timers;
};
absl::StatusOr<FindingOutcome> SubmitCountermeasure(const AuditFinding& f,
                                                    const std::string& countermeasure,
                                                    absl::Time now);
absl::StatusOr<FindingOutcome> SubmitAnalysis(const AuditFinding& f, const std::string& root_cause,
                                              const std::string& long_term_action, absl::Time now);
absl::StatusOr<FindingOutcome> CloseFinding(const AuditFinding& f, const std::string& notes,
                                            absl::Time now);
// The timer a new finding starts.
TimerCommand FindingTimer(const AuditFinding& f);

// Summary counts per period (month, quarter or year of raised_time in the plant's zone),
// counted by the database (AuditFindingStore::Summary).
struct PeriodSummary {
  std::string period;  // "2026-03", "2026-Q1", "2026"
  int raised = 0;
  int closed = 0;
  int closed_on_time = 0;  // closed with every stage on time
  int blacklisted = 0;     // late at any stage (as of `now`)
};
}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_H_
