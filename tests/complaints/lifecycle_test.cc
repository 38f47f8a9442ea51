#include "services/complaints/lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"
#include "services/complaints/serious.h"

namespace qms::complaints {
namespace {

using S = ComplaintStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = TimerCommand::Kind;

absl::TimeZone Zone(const char* name) {
  absl::TimeZone z;
  EXPECT_TRUE(absl::LoadTimeZone(name, &z));
  return z;
}

const absl::TimeZone kShanghai = Zone("Asia/Shanghai");
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 24, 10, 0, 0), kShanghai);

Action MakeAction(const std::string& what) {
  return Action{what, "Production", "Zhang San", "2026-12-15", ActionStatus::kOpen, ""};
}

// A valid input for every kind of step, by variant index.
Step ValidStep(size_t index) {
  switch (index) {
    case 0: {
      Triage t;
      t.responsible_department = "Production";
      t.severity = Severity::kMajor;
      t.team = {{"Li Si", "Quality", "leader"}};
      t.problem.what = "burr on edge of PN-100";
      return TriageStep{t};
    }
    case 1: {
      Containment c;
      c.actions = {MakeAction("sort all stock")};
      c.quantity_quarantined_at_site = 400;
      return SubmitContainmentStep{c};
    }
    case 2: {
      RootCause r;
      r.why_occurred = {"deburring tool worn"};
      r.why_not_detected = {"no edge check at final inspection"};
      r.why_not_prevented = {"tool life not in PM plan"};
      r.category = CauseCategory::kMachine;
      return SubmitRootCauseStep{r};
    }
    case 3:
      return SubmitActionsStep{{MakeAction("replace tool")}, {MakeAction("add tool life to PM")}};
    case 4:
      return WaivePreventiveStep{WaiverReason::kNoPotentialCause, "one-off tool breakage"};
    case 5:
      return ApproveStep{"ok"};
    case 6:
      return RejectStep{"root cause not convincing"};
    case 7:
      return ReplyStep{"8D attached", "2026-12-20"};
    case 8:
      return VerifyStep{true, "no recurrence in 3 lots", ""};
    case 9:
      return ReopenStep{"customer found the burr again"};
    default:
      return RecordReturnStep{"plants/SZ1/returns/SZ1-R-2026-00001"};
  }
}

Context GeneralManager() { return Context{{"gm@sz1", {"general_manager"}}, kNow, kShanghai}; }
Context Quality() { return Context{{"qe@sz1", {"quality"}}, kNow, kShanghai}; }

Complaint InState(S status) {
  Complaint c;
  c.plant = "SZ1";
  c.number = "SZ1-2026-00042";
  c.status = status;
  c.intake.customer = "ACME";
  c.intake.received_time = kNow - absl::Hours(5);
  return c;
}

// The flow of domain brief §1, written out independently of the implementation's table:
// step index -> (from state -> to state).
const std::map<size_t, std::map<S, S>>& ExpectedMoves() {
  static const auto* moves = new std::map<size_t, std::map<S, S>>{
      {0, {{S::kReceived, S::kTriaged}}},
      {1, {{S::kTriaged, S::kContained}}},
      {2, {{S::kContained, S::kRootCauseIdentified}}},
      {3,
       {{S::kRootCauseIdentified, S::kActionsProposed},
        {S::kActionsRejected, S::kActionsProposed}}},
      {4,
       {{S::kRootCauseIdentified, S::kRootCauseIdentified},
        {S::kActionsRejected, S::kActionsRejected},
        {S::kActionsProposed, S::kActionsProposed}}},
      {5, {{S::kActionsProposed, S::kApproved}}},
      {6, {{S::kActionsProposed, S::kActionsRejected}}},
      {7, {{S::kApproved, S::kReplied}}},
      {8, {{S::kReplied, S::kClosed}}},
      {9, {{S::kReplied, S::kReopened}, {S::kClosed, S::kReopened}}},
      // A return of the complaint's goods is a fact in any state; it moves nothing.
      {10,
       {{S::kReceived, S::kReceived},
        {S::kTriaged, S::kTriaged},
        {S::kContained, S::kContained},
        {S::kRootCauseIdentified, S::kRootCauseIdentified},
        {S::kActionsProposed, S::kActionsProposed},
        {S::kActionsRejected, S::kActionsRejected},
        {S::kApproved, S::kApproved},
        {S::kReplied, S::kReplied},
        {S::kClosed, S::kClosed},
        {S::kReopened, S::kReopened}}},
  };
  return *moves;
}

TEST(Lifecycle, EveryStepFromEveryStateIsAllowedOrRefusedAsTheFlowSays) {
  int allowed = 0, refused = 0;
  for (size_t step = 0; step < std::variant_size_v<Step>; ++step) {
    for (S from : kAllStatuses) {
      SCOPED_TRACE(absl::StrCat(StepName(ValidStep(step)), " from ", ToString(from)));
      auto outcome = Apply(InState(from), ValidStep(step), GeneralManager());
      const auto& moves = ExpectedMoves().at(step);
      auto expected = moves.find(from);
      if (expected != moves.end()) {
        ASSERT_TRUE(outcome.ok()) << outcome.status();
        EXPECT_EQ(outcome->complaint.status, expected->second);
        EXPECT_TRUE(AllowedFrom(ValidStep(step), from));
        ++allowed;
      } else {
        ASSERT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_THAT(std::string(outcome.status().message()),
                    HasSubstr(absl::StrCat("in state ", ToString(from))));
        EXPECT_FALSE(AllowedFrom(ValidStep(step), from));
        ++refused;
      }
    }
  }
  EXPECT_EQ(allowed, 24);
  EXPECT_EQ(refused, 11 * 10 - 24);
}

TEST(Lifecycle, RefusalNamesBothStates) {
  auto outcome = Apply(InState(S::kReceived), ApproveStep{}, GeneralManager());
  EXPECT_EQ(outcome.status().message(),
            "ApproveActions cannot move a complaint in state RECEIVED to APPROVED; it is allowed "
            "from ACTIONS_PROPOSED");
}

TEST(Lifecycle, AReturnMakesTheComplaintSeriousAndEscalatesItOnce) {
  const RecordReturnStep step{"plants/SZ1/returns/SZ1-R-2026-00001"};
  auto first = Apply(InState(S::kContained), step, Quality());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->complaint.intake.goods_returned);
  EXPECT_THAT(first->complaint.serious_reasons, ElementsAre(SeriousReason::kReturnOrExchange));
  ASSERT_EQ(first->timers.size(), 1u);
  EXPECT_EQ(first->timers[0].kind, TimerCommand::Kind::kEscalate);
  EXPECT_EQ(first->timers[0].policy, kSeriousEscalation);
  EXPECT_THAT(first->timers[0].detail, HasSubstr("SZ1-R-2026-00001"));
  // Serious already (a second return): nothing more to escalate, the reason is not doubled.
  auto second =
      Apply(first->complaint, RecordReturnStep{"plants/SZ1/returns/SZ1-R-2026-00002"}, Quality());
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->complaint.serious_reasons, ElementsAre(SeriousReason::kReturnOrExchange));
  EXPECT_TRUE(second->timers.empty());
}

TEST(Lifecycle, ApplyNeverChangesItsInput) {
  const Complaint before = InState(S::kTriaged);
  Complaint copy = before;
  ASSERT_TRUE(Apply(copy, ValidStep(1), Quality()).ok());
  EXPECT_EQ(copy.status, before.status);
  EXPECT_FALSE(copy.containment.has_value());
}

TEST(Lifecycle, OnlyTheGeneralManagerDecidesAndWaives) {
  for (size_t step : {4u, 5u, 6u}) {
    S from = step == 4 ? S::kActionsProposed : S::kActionsProposed;
    auto outcome = Apply(InState(from), ValidStep(step), Quality());
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied)
        << StepName(ValidStep(step));
  }
}

TEST(Lifecycle, GmDecisionIsRecordedWithWhoAndWhen) {
  auto rejected = Apply(InState(S::kActionsProposed), ValidStep(6), GeneralManager());
  ASSERT_TRUE(rejected.ok());
  ASSERT_EQ(rejected->complaint.decisions.size(), 1u);
  EXPECT_FALSE(rejected->complaint.decisions[0].approved);
  EXPECT_EQ(rejected->complaint.decisions[0].decided_by, "gm@sz1");
  EXPECT_EQ(rejected->complaint.decisions[0].decide_time, kNow);
}

TEST(Lifecycle, RejectionNeedsComments) {
  auto outcome = Apply(InState(S::kActionsProposed), RejectStep{""}, GeneralManager());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status())[0].field, "comments");
}

TEST(Lifecycle, PreventiveActionsAreRequiredUnlessWaived) {
  SubmitActionsStep no_preventive{{MakeAction("replace tool")}, {}};
  auto refused = Apply(InState(S::kRootCauseIdentified), no_preventive, Quality());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(refused.status())[0].field, "preventive_actions");

  auto waived = Apply(InState(S::kRootCauseIdentified), ValidStep(4), GeneralManager());
  ASSERT_TRUE(waived.ok());
  EXPECT_EQ(waived->complaint.preventive_waiver->reason, WaiverReason::kNoPotentialCause);
  EXPECT_EQ(waived->complaint.preventive_waiver->approved_by, "gm@sz1");
  EXPECT_TRUE(Apply(waived->complaint, no_preventive, Quality()).ok());
}

TEST(Lifecycle, WaiverNeedsAReason) {
  auto outcome = Apply(InState(S::kRootCauseIdentified),
                       WaivePreventiveStep{WaiverReason::kUnspecified, ""}, GeneralManager());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status()).size(), 2u);
}

TEST(Lifecycle, InvalidInputIsReportedBeforeTheStateIsChecked) {
  auto outcome = Apply(InState(S::kClosed), SubmitContainmentStep{}, Quality());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status())[0].field, "containment.actions");
}

TEST(Lifecycle, ActionsNameTheBadFieldByIndex) {
  SubmitActionsStep step{{MakeAction("a"), MakeAction("b")}, {MakeAction("c")}};
  step.corrective[1].due_date = "tomorrow";
  auto outcome = Apply(InState(S::kRootCauseIdentified), step, Quality());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status())[0].field, "corrective_actions[1].due_date");
}

TEST(Lifecycle, ContainmentStopsTheContainmentTimer) {
  auto outcome = Apply(InState(S::kTriaged), ValidStep(1), Quality());
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->timers.size(), 1u);
  EXPECT_EQ(outcome->timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(outcome->timers[0].policy, kContainmentPolicy);
  EXPECT_EQ(outcome->timers[0].subject, "plants/SZ1/complaints/SZ1-2026-00042");
  EXPECT_EQ(outcome->complaint.contain_time, kNow);
}

TEST(Lifecycle, StepsWithoutTimersStartNone) {
  for (size_t step : {0u, 2u, 3u}) {
    S from = step == 0 ? S::kReceived : step == 2 ? S::kContained : S::kRootCauseIdentified;
    auto outcome = Apply(InState(from), ValidStep(step), Quality());
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->timers.empty()) << StepName(ValidStep(step));
  }
}

TEST(Lifecycle, ReplyStopsCorrectiveActionAndStartsVerificationAtTheImprovementDate) {
  auto outcome = Apply(InState(S::kApproved), ReplyStep{"8D attached", "2026-12-20"}, Quality());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->timers.size(), 2u);
  EXPECT_EQ(outcome->timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(outcome->timers[0].policy, kCorrectiveActionPolicy);
  EXPECT_EQ(outcome->timers[1].kind, Kind::kArm);
  EXPECT_EQ(outcome->timers[1].policy, kVerificationPolicy);
  EXPECT_EQ(outcome->timers[1].subject, "plants/SZ1/complaints/SZ1-2026-00042/verifications/1");
  EXPECT_EQ(outcome->timers[1].due,
            absl::FromCivil(absl::CivilDay(2026, 12, 21), kShanghai));  // end of the 20th
  EXPECT_EQ(outcome->complaint.improvement_date, "2026-12-20");
  EXPECT_EQ(outcome->complaint.reply_time, kNow);
}

TEST(Lifecycle, ImprovementDateInThePastIsRefused) {
  auto outcome = Apply(InState(S::kApproved), ReplyStep{"8D", "2026-11-23"}, Quality());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status())[0].field, "improvement_date");
}

TEST(Lifecycle, NotEffectiveSetsANewImprovementDateAndStaysOpen) {
  Complaint c = InState(S::kReplied);
  c.improvement_date = "2026-11-24";
  auto first = Apply(c, VerifyStep{false, "burr seen again in lot 7", "2027-01-10"}, Quality());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->complaint.status, S::kReplied);
  EXPECT_EQ(first->complaint.improvement_date, "2027-01-10");
  EXPECT_FALSE(first->complaint.close_time.has_value());
  ASSERT_EQ(first->timers.size(), 2u);
  EXPECT_EQ(first->timers[0],
            (TimerCommand{Kind::kDisarm, "plants/SZ1/complaints/SZ1-2026-00042/verifications/1",
                          kVerificationPolicy, absl::InfinitePast(), std::nullopt, "", ""}));
  EXPECT_EQ(first->timers[1].subject, "plants/SZ1/complaints/SZ1-2026-00042/verifications/2");
  EXPECT_EQ(first->timers[1].due, absl::FromCivil(absl::CivilDay(2027, 1, 11), kShanghai));

  auto second = Apply(first->complaint, VerifyStep{true, "", ""}, Quality());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->complaint.status, S::kClosed);
  EXPECT_EQ(second->complaint.close_time, kNow);
  ASSERT_EQ(second->timers.size(), 1u);
  EXPECT_EQ(second->timers[0].subject, "plants/SZ1/complaints/SZ1-2026-00042/verifications/2");
  EXPECT_EQ(second->timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(second->complaint.verifications.size(), 2u);
}

TEST(Lifecycle, NotEffectiveNeedsNotesAndANewDate) {
  auto outcome = Apply(InState(S::kReplied), VerifyStep{false, "", ""}, Quality());
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(outcome.status()).size(), 2u);
}

TEST(Lifecycle, ReopenLinksForwardAndStopsThePendingVerification) {
  auto outcome = Apply(InState(S::kReplied), ValidStep(9), Quality());
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->complaint.reopened_as, "SZ1-2026-00042-1");
  ASSERT_EQ(outcome->timers.size(), 1u);
  EXPECT_EQ(outcome->timers[0].policy, kVerificationPolicy);
  EXPECT_EQ(outcome->timers[0].kind, Kind::kDisarm);
  auto from_closed = Apply(InState(S::kClosed), ValidStep(9), Quality());
  ASSERT_TRUE(from_closed.ok());
  EXPECT_TRUE(from_closed->timers.empty()) << "a closed complaint has no timer running";
}

TEST(Continuation, NumbersWithDashSuffixAndLinksBack) {
  Complaint original = InState(S::kClosed);
  original.serious_reasons = {SeriousReason::kRepeatedByCustomer};
  original.triage = Triage{};
  Complaint first = ContinuationOf(original, kNow, DefaultCalendar("SZ1", "Asia/Shanghai"));
  EXPECT_EQ(first.number, "SZ1-2026-00042-1");
  EXPECT_EQ(first.reopened_from, "SZ1-2026-00042");
  EXPECT_EQ(first.status, S::kReceived);
  EXPECT_EQ(first.intake.customer, "ACME");
  EXPECT_EQ(first.intake.received_time, kNow);
  EXPECT_FALSE(first.triage.has_value()) << "a fresh 8D record";
  EXPECT_EQ(first.serious_reasons, original.serious_reasons);
  first.status = S::kReplied;
  Complaint second = ContinuationOf(first, kNow, DefaultCalendar("SZ1", "Asia/Shanghai"));
  EXPECT_EQ(second.number, "SZ1-2026-00042-2");
  EXPECT_EQ(second.reopened_from, "SZ1-2026-00042-1");
}

TEST(IntakeTimers, ContainmentAndCorrectiveActionAndEscalationWhenSerious) {
  Complaint c = InState(S::kReceived);
  c.corrective_action_due = kNow + absl::Hours(72);
  auto timers = IntakeTimers(c);
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[0].policy, kContainmentPolicy);
  EXPECT_EQ(timers[0].start, c.intake.received_time);
  EXPECT_FALSE(timers[0].due.has_value()) << "24 h is the policy's to compute";
  EXPECT_EQ(timers[1].policy, kCorrectiveActionPolicy);
  EXPECT_FALSE(timers[1].due.has_value()) << "3 working days are the plant calendar's to place";
  c.intake.customer_required_reply_time = kNow + absl::Hours(30);
  EXPECT_EQ(IntakeTimers(c)[1].due, kNow + absl::Hours(30)) << "the customer's date is explicit";
  c.intake.customer_required_reply_time.reset();
  c.serious_reasons = {SeriousReason::kReturnOrExchange, SeriousReason::kRepeatedByCustomer};
  timers = IntakeTimers(c);
  ASSERT_EQ(timers.size(), 3u);
  EXPECT_EQ(timers[2].kind, Kind::kEscalate);
  EXPECT_EQ(timers[2].detail, "RETURN_OR_EXCHANGE,REPEATED_BY_CUSTOMER");
}

TEST(CorrectiveActionDue, ThreeWorkingDaysCloseOnTheThirdWorkingDayAfterReceipt) {
  Intake in;
  in.received_time = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 18, 30, 0), kShanghai);
  EXPECT_EQ(CorrectiveActionDue(in, DefaultCalendar("SZ1", "Asia/Shanghai")),
            absl::FromCivil(absl::CivilSecond(2026, 11, 25, 17, 0, 0), kShanghai));
  // The plant's own calendar places them: a Monday holiday moves them a day.
  Calendar calendar = DefaultCalendar("SZ1", "Asia/Shanghai");
  calendar.holidays.insert(absl::CivilDay(2026, 11, 23));
  EXPECT_EQ(CorrectiveActionDue(in, calendar),
            absl::FromCivil(absl::CivilSecond(2026, 11, 26, 17, 0, 0), kShanghai));
}

TEST(CorrectiveActionDue, ClosesAtLocalTimeAcrossDaylightSaving) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  Intake in;  // Friday before the switch to summer time on 29 March 2026
  in.received_time = absl::FromCivil(absl::CivilSecond(2026, 3, 27, 18, 0, 0), berlin);
  EXPECT_EQ(CorrectiveActionDue(in, DefaultCalendar("BER", "Europe/Berlin")),
            absl::FromCivil(absl::CivilSecond(2026, 4, 1, 17, 0, 0), berlin));
}

TEST(CorrectiveActionDue, TheCustomersDateWins) {
  Intake in;
  in.received_time = kNow;
  in.customer_required_reply_time = kNow + absl::Hours(30);
  EXPECT_EQ(CorrectiveActionDue(in, DefaultCalendar("SZ1", "Asia/Shanghai")),
            kNow + absl::Hours(30));
}

TEST(Serious, EachRuleAtItsBoundary) {
  SeriousRules rules;
  Intake in;
  in.defect_code = "D-BURR";
  EXPECT_TRUE(SeriousReasonsFor(in, {1, 2}, rules).empty());
  EXPECT_THAT(SeriousReasonsFor(in, {2, 1}, rules),
              ElementsAre(SeriousReason::kSameDefectSeveralCustomers));
  EXPECT_THAT(SeriousReasonsFor(in, {1, 3}, rules),
              ElementsAre(SeriousReason::kRepeatedByCustomer));
  in.goods_returned = true;
  EXPECT_THAT(SeriousReasonsFor(in, {1, 1}, rules), ElementsAre(SeriousReason::kReturnOrExchange));
  in.defect_code.clear();
  in.goods_returned = false;
  EXPECT_TRUE(SeriousReasonsFor(in, {5, 1}, rules).empty()) << "no defect code, nothing to match";
}

TEST(Serious, WindowIsTwelveCalendarMonthsInThePlantsZone) {
  const absl::Time received = absl::FromCivil(absl::CivilSecond(2026, 3, 15, 9, 0, 0), kShanghai);
  EXPECT_EQ(SeriousWindowStart(received, SeriousRules{}, kShanghai),
            absl::FromCivil(absl::CivilSecond(2025, 3, 15, 9, 0, 0), kShanghai));
}

}  // namespace
}  // namespace qms::complaints
