// libFuzzer target: the complaint state machine fed random sequences of steps, actors and clock
// moves. Invariants: never a crash; an accepted step was allowed from the state it left; the
// state after it is one of the machine's; a refusal is one of the three documented codes.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdlib>

#include "services/complaints/lifecycle.h"

namespace {

using namespace qms::complaints;  // NOLINT

std::string Text(FuzzedDataProvider& in) { return in.ConsumeRandomLengthString(80); }

Action MakeAction(FuzzedDataProvider& in) {
  Action a;
  a.description = Text(in);
  a.responsible_department = Text(in);
  a.owner = Text(in);
  a.due_date = in.ConsumeBool() ? "2030-01-31" : Text(in);
  a.status = static_cast<ActionStatus>(in.ConsumeIntegralInRange(-1, 6));
  return a;
}

std::vector<Action> Actions(FuzzedDataProvider& in) {
  std::vector<Action> out(in.ConsumeIntegralInRange(0, 3));
  for (Action& a : out) a = MakeAction(in);
  return out;
}

std::vector<std::string> Texts(FuzzedDataProvider& in) {
  std::vector<std::string> out(in.ConsumeIntegralInRange(0, 6));
  for (std::string& s : out) s = Text(in);
  return out;
}

Step MakeStep(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 9)) {
    case 0: {
      TriageStep s;
      s.triage.responsible_department = Text(in);
      s.triage.severity = static_cast<Severity>(in.ConsumeIntegralInRange(-1, 6));
      s.triage.meeting_notes = Text(in);
      s.triage.team.resize(in.ConsumeIntegralInRange(0, 3));
      for (TeamMember& m : s.triage.team) {
        m.name = Text(in);
        m.department = Text(in);
      }
      s.triage.problem.what = Text(in);
      return s;
    }
    case 1: {
      SubmitContainmentStep s;
      s.containment.actions = Actions(in);
      s.containment.quantity_sorted_at_site = in.ConsumeIntegral<int64_t>();
      s.containment.quantity_in_transit = in.ConsumeIntegral<int64_t>();
      return s;
    }
    case 2: {
      SubmitRootCauseStep s;
      s.root_cause.why_occurred = Texts(in);
      s.root_cause.why_not_detected = Texts(in);
      s.root_cause.why_not_prevented = Texts(in);
      s.root_cause.category = static_cast<CauseCategory>(in.ConsumeIntegralInRange(-1, 9));
      s.root_cause.summary = Text(in);
      return s;
    }
    case 3:
      return SubmitActionsStep{Actions(in), Actions(in)};
    case 4:
      return WaivePreventiveStep{static_cast<WaiverReason>(in.ConsumeIntegralInRange(-1, 5)),
                                 Text(in)};
    case 5:
      return ApproveStep{Text(in)};
    case 6:
      return RejectStep{Text(in)};
    case 7:
      return ReplyStep{Text(in), in.ConsumeBool() ? "2030-06-30" : Text(in)};
    case 8:
      return VerifyStep{in.ConsumeBool(), Text(in), in.ConsumeBool() ? "2031-01-31" : Text(in)};
    default:
      return ReopenStep{Text(in)};
  }
}

bool Known(ComplaintStatus s) {
  return std::find(std::begin(kAllStatuses), std::end(kAllStatuses), s) != std::end(kAllStatuses);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Complaint c;
  c.plant = "SZ1";
  c.number = "SZ1-2026-00001";
  c.status = ComplaintStatus::kReceived;
  c.intake.customer = "ACME";
  c.intake.part_number = "PN-1";
  c.intake.defect_description = "burr";
  c.intake.received_time = absl::FromUnixSeconds(1'800'000'000);
  Context context{{"someone", {}}, c.intake.received_time, absl::UTCTimeZone()};
  for (int steps = 0; steps < 64 && in.remaining_bytes() > 0; ++steps) {
    context.actor.roles.clear();
    if (in.ConsumeBool()) context.actor.roles.push_back(kGeneralManager);
    if (in.ConsumeBool()) context.actor.roles.push_back("quality");
    const Step step = MakeStep(in);
    const ComplaintStatus before = c.status;
    absl::StatusOr<Outcome> out = Apply(c, step, context);
    if (out.ok()) {
      if (!AllowedFrom(step, before) || !Known(out->complaint.status)) std::abort();
      c = out->complaint;
    } else {
      const absl::StatusCode code = out.status().code();
      if (code != absl::StatusCode::kInvalidArgument &&
          code != absl::StatusCode::kFailedPrecondition &&
          code != absl::StatusCode::kPermissionDenied) {
        std::abort();
      }
    }
    context.now += absl::Minutes(in.ConsumeIntegralInRange(0, 100000));
  }
  return 0;
}
