// The 8D flow of a complaint as a state machine (domain brief §1), with no I/O.
//
//   RECEIVED --Triage--> TRIAGED --SubmitContainment--> CONTAINED --SubmitRootCause-->
//   ROOT_CAUSE_IDENTIFIED --SubmitActions--> ACTIONS_PROPOSED --Approve (GM)--> APPROVED
//   --Reply--> REPLIED --Verify(effective)--> CLOSED
//   ACTIONS_PROPOSED --Reject (GM)--> ACTIONS_REJECTED --SubmitActions--> ACTIONS_PROPOSED
//   REPLIED --Verify(not effective, new improvement date)--> REPLIED
//   REPLIED | CLOSED --Reopen--> REOPENED   (the "-N" complaint continues it)
//   ROOT_CAUSE_IDENTIFIED | ACTIONS_REJECTED | ACTIONS_PROPOSED --WaivePreventive (GM)--> same
//   state
//   any state --RecordReturn (the returns service)--> same state, serious RETURN_OR_EXCHANGE
//
// Every move is one call to Apply: it returns the complaint after the move and the timer
// commands the move implies, or an error — INVALID_ARGUMENT for bad input, PERMISSION_DENIED when
// the GM role is required, FAILED_PRECONDITION naming both states when the move is not allowed
// from where the complaint stands. The input complaint is never modified.
#ifndef QMS_SERVICES_COMPLAINTS_LIFECYCLE_H_
#define QMS_SERVICES_COMPLAINTS_LIFECYCLE_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/timer_command.h"
#include "services/complaints/complaint.h"

namespace qms::complaints {

// The moves. Each struct carries what the step records.
struct TriageStep {
  Triage triage;
};
struct SubmitContainmentStep {
  Containment containment;
};
struct SubmitRootCauseStep {
  RootCause root_cause;
};
struct SubmitActionsStep {
  std::vector<Action> corrective;
  std::vector<Action> preventive;  // may be empty only with a waiver
};
struct WaivePreventiveStep {
  WaiverReason reason = WaiverReason::kUnspecified;
  std::string explanation;
};
struct ApproveStep {
  std::string comments;
};
struct RejectStep {
  std::string comments;  // required
};
struct ReplyStep {
  std::string text;
  std::string improvement_date;  // YYYY-MM-DD: when effectiveness will be verified
};
struct VerifyStep {
  bool effective = false;
  std::string notes;
  std::string new_improvement_date;  // required when not effective
};
struct ReopenStep {
  std::string reason;  // what the customer is not satisfied with
};
// Goods of the complaint are returned (the returns service tells, once per return): the
// complaint is serious for RETURN_OR_EXCHANGE from then on, escalated when it was not yet.
// Allowed in every state; it does not move the complaint.
struct RecordReturnStep {
  std::string return_name;  // plants/{plant}/returns/{number}
};

using Step = std::variant<TriageStep, SubmitContainmentStep, SubmitRootCauseStep, SubmitActionsStep,
                          WaivePreventiveStep, ApproveStep, RejectStep, ReplyStep, VerifyStep,
                          ReopenStep, RecordReturnStep>;

// The step's name as the API and the history call it, e.g. "SubmitContainment".
std::string StepName(const Step& step);

// Complaints' response-timer policies (defined in policies.json, fired by notifications).
inline constexpr char kContainmentPolicy[] = "complaint.containment";
inline constexpr char kCorrectiveActionPolicy[] = "complaint.corrective_action";
inline constexpr char kVerificationPolicy[] = "complaint.verification";
inline constexpr char kSeriousEscalation[] = "complaint.serious";

struct Context {
  Actor actor;
  absl::Time now;
  absl::TimeZone zone;  // the plant's
};

struct Outcome {
  Complaint complaint;  // after the move; version and update_time are the store's to set
  std::vector<TimerCommand> timers;
};

absl::StatusOr<Outcome> Apply(const Complaint& complaint, const Step& step, const Context& context);

// Whether a step of this kind may start from `status` (ignoring its input and the actor).
bool AllowedFrom(const Step& step, ComplaintStatus status);

// The timers a newly registered complaint starts: containment 24 h from receipt, corrective action
// due at CorrectiveActionDue; and an escalation when it is serious.
std::vector<TimerCommand> IntakeTimers(const Complaint& complaint);

// The complaint that continues `original` after a reopen: numbered "<first number>-N" (N = 1 for
// the first reopen, 2 when "-1" is reopened, ...), intake copied, status RECEIVED, a fresh 8D
// record, linked back, serious flags kept, timers restarted from `now` (the customer's new
// dissatisfaction is a new receipt). Its timers are IntakeTimers of the result.
Complaint ContinuationOf(const Complaint& original, absl::Time now, const Calendar& calendar);
// "<first number>-N": the number the continuation of `original` gets.
std::string ContinuationNumber(const Complaint& original);

// Field limits for the 8D record.
inline constexpr size_t kMaxTextLength = 4000;
inline constexpr size_t kMaxNameLength = 128;
inline constexpr size_t kMaxActions = 50;
inline constexpr size_t kMaxTeam = 30;
inline constexpr size_t kMaxWhys = 5;

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_LIFECYCLE_H_
