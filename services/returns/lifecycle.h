// The flow of a return as a state machine (domain brief §2), with no I/O.
//
//   REGISTERED --RecordReceipt--> RECEIVED          (a return without goods starts RECEIVED)
//   RECEIVED --RecordReceipt--> RECEIVED            (partial receipts, until quality confirms)
//   RECEIVED --ConfirmQuality (the last line)--> CONFIRMED
//   CONFIRMED --DisposeLine (the last quantity)--> DISPOSED
//   DISPOSED --CloseReworkOrder (with NG)--> CONFIRMED   (the NG goes back to disposition)
//   DISPOSED --CloseReturn--> CLOSED   (every rework order closed, the customer told when a line
//                                       is not ours, urgent production scheduled)
//   Rework orders (CONFIRMED, DISPOSED), urgent production (RECEIVED .. DISPOSED), the analysis
//   and its archiving (RECEIVED .. CLOSED) do not move the state, except as above.
//
// Every step is one call to Apply: it returns the return after the step and the timer commands
// the step implies, or an error — INVALID_ARGUMENT naming the field at fault, FAILED_PRECONDITION
// naming both states when the step is not allowed from where the return stands (or naming what
// is still open). The input is never modified.
//
// Timers (policies.json beside this file): returns.quality_confirmation from the goods' arrival
// until every line is confirmed; returns.customer_explanation from the confirmation of a line
// not ours until sales has explained; returns.rework per rework order until it is closed, due at
// the customer's need date; returns.urgent_production from the request until it is scheduled.
#ifndef QMS_SERVICES_RETURNS_LIFECYCLE_H_
#define QMS_SERVICES_RETURNS_LIFECYCLE_H_

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/timer_command.h"
#include "services/returns/return.h"

namespace qms::returns {

inline constexpr char kConfirmationPolicy[] = "returns.quality_confirmation";
inline constexpr char kExplanationPolicy[] = "returns.customer_explanation";
inline constexpr char kReworkPolicy[] = "returns.rework";
inline constexpr char kUrgentPolicy[] = "returns.urgent_production";
// The procedure says quality confirms "immediately": within a day of the goods' arrival.
inline constexpr absl::Duration kConfirmationWindow = absl::Hours(24);
// Urgent production is scheduled within a day of the request.
inline constexpr absl::Duration kUrgentScheduleWindow = absl::Hours(24);

struct RecordReceiptStep {
  Receipt receipt;  // number, lines, note; by and time are the step's
};
struct ConfirmQualityStep {
  int line = 0;
  Confirmation confirmation;  // result, nonconforming, responsibility, notes
};
struct ExplainToCustomerStep {
  std::string explanation;
};
struct DisposeLineStep {
  int line = 0;
  Disposition disposition;
};
struct IssueReworkOrderStep {
  int line = 0;
  int64_t quantity = 0;
  std::string instruction;
  absl::Time need_time = absl::InfinitePast();
};
struct RecordReworkProgressStep {
  int order = 0;
  int64_t reworked = 0;
  int64_t inspected_ok = 0;
  int64_t inspected_ng = 0;
};
struct CloseReworkOrderStep {
  int order = 0;
};
struct RequestUrgentProductionStep {
  int64_t available_stock = 0;
  absl::Time need_time = absl::InfinitePast();
};
struct ScheduleUrgentProductionStep {
  std::string production_order;
};
struct RecordAnalysisStep {
  Cause cause = Cause::kMan;
  bool cause_given = false;
  std::string findings;
  std::vector<std::string> attachments;
};
struct ArchiveAnalysisStep {};
struct CloseReturnStep {};

using Step =
    std::variant<RecordReceiptStep, ConfirmQualityStep, ExplainToCustomerStep, DisposeLineStep,
                 IssueReworkOrderStep, RecordReworkProgressStep, CloseReworkOrderStep,
                 RequestUrgentProductionStep, ScheduleUrgentProductionStep, RecordAnalysisStep,
                 ArchiveAnalysisStep, CloseReturnStep>;

// The step's name as the API and the history call it, e.g. "RecordReceipt".
std::string StepName(const Step& step);
// The states the step may start from.
std::vector<ReturnState> AllowedFrom(const Step& step);

struct Context {
  std::string actor;  // the token's subject
  absl::Time now;
};

struct Outcome {
  Return record;  // after the step; version and update_time are the store's to set
  std::vector<TimerCommand> timers;
  bool unchanged = false;  // a repeat (a receipt seen before): nothing to write
};

absl::StatusOr<Outcome> Apply(const Return& record, const Step& step, const Context& context);

// A new return as registered at `context.now` (validated with ValidateNewReturn first): state
// REGISTERED, or RECEIVED with the confirmation timer armed when it comes without goods.
Outcome Register(const Return& draft, const Context& context);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_LIFECYCLE_H_
