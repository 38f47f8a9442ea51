#include "services/complaints/audit_finding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/field_violations.h"

namespace qms::complaints {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kRaised =
    absl::FromCivil(absl::CivilSecond(2026, 3, 10, 9, 0, 0), absl::UTCTimeZone());

AuditFinding Raised() {
  AuditFinding f;
  f.plant = "SZ1";
  f.id = 7;
  f.customer = "ACME";
  f.audited_area = "SMT line 2";
  f.finding = "ESD wrist straps not tested daily";
  f.owner = "Wang Wu";
  f.raised_time = kRaised;
  return f;
}

TEST(AuditFinding, StagesAreDueAt24And48HoursAndFiveDays) {
  const AuditFinding f = Raised();
  EXPECT_EQ(DueTime(f, FindingStage::kCountermeasure), kRaised + absl::Hours(24));
  EXPECT_EQ(DueTime(f, FindingStage::kAnalysis), kRaised + absl::Hours(48));
  EXPECT_EQ(DueTime(f, FindingStage::kClosure), kRaised + absl::Hours(120));
}

TEST(AuditFinding, MovesInOrderAndStopsEachStage) {
  auto contained =
      SubmitCountermeasure(Raised(), "straps tested every shift", kRaised + absl::Hours(3));
  ASSERT_TRUE(contained.ok());
  EXPECT_EQ(contained->finding.status, FindingStatus::kContained);
  ASSERT_EQ(contained->timers.size(), 1u);
  EXPECT_EQ(contained->timers[0].kind, TimerCommand::Kind::kDisarm);
  EXPECT_EQ(contained->timers[0].detail, "countermeasure");
  auto analyzed = SubmitAnalysis(contained->finding, "no checklist", "checklist in MES",
                                 kRaised + absl::Hours(30));
  ASSERT_TRUE(analyzed.ok());
  EXPECT_EQ(analyzed->timers[0].detail, "analysis");
  auto closed = CloseFinding(analyzed->finding, "verified on site", kRaised + absl::Hours(100));
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->finding.status, FindingStatus::kClosed);
  EXPECT_EQ(closed->timers[0].detail, "") << "closing stops the whole timer";
  EXPECT_THAT(LateStages(closed->finding, kRaised + absl::Hours(1000)), IsEmpty());
}

TEST(AuditFinding, OutOfOrderMovesNameBothStates) {
  auto early = CloseFinding(Raised(), "done", kRaised);
  ASSERT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(early.status().message(),
            "CloseAuditFinding cannot move an audit finding in state OPEN to CLOSED; it is allowed "
            "from ANALYZED");
  EXPECT_EQ(SubmitAnalysis(Raised(), "a", "b", kRaised).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AuditFinding, LateStagesPutItOnTheBlacklist) {
  AuditFinding f = Raised();
  EXPECT_FALSE(Blacklisted(f, kRaised + absl::Hours(23)));
  EXPECT_THAT(LateStages(f, kRaised + absl::Hours(25)), ElementsAre(FindingStage::kCountermeasure));
  f.countermeasure_time = kRaised + absl::Hours(26);  // done, but late: stays on the ledger
  f.status = FindingStatus::kContained;
  EXPECT_THAT(LateStages(f, kRaised + absl::Hours(30)), ElementsAre(FindingStage::kCountermeasure));
  EXPECT_THAT(LateStages(f, kRaised + absl::Hours(49)),
              ElementsAre(FindingStage::kCountermeasure, FindingStage::kAnalysis));
}

TEST(AuditFinding, NewFindingNeedsItsFields) {
  AuditFinding f;
  f.raised_time = kRaised;
  auto violations = ViolationsOf(ValidateNewFinding(f, kRaised));
  ASSERT_EQ(violations.size(), 4u);
  EXPECT_EQ(violations[0].field, "finding.customer");
  f = Raised();
  f.raised_time = kRaised + absl::Hours(1);
  EXPECT_EQ(ViolationsOf(ValidateNewFinding(f, kRaised))[0].field, "finding.raised_time");
}

}  // namespace
}  // namespace qms::complaints
