// A response timer's rules (timer.h) without a database: arm, disarm, pause, resume, replan, and
// when a stage makes a timer overdue.
#include "services/notifications/timer.h"

#include <gtest/gtest.h>

namespace qms::notifications {
namespace {

constexpr char kPolicies[] = R"({"policies": [{"name": "test.two", "deadlines": [
  {"name": "contain", "duration": "24h", "roles": ["quality"]},
  {"name": "close", "duration": "3 working days", "roles": ["quality"]}]}]})";

class TimerRules : public ::testing::Test {
 protected:
  const Policy& policy() const { return policies_.at("test.two"); }
  Timer NotArmed() const {
    Timer t;
    t.key = {"SZ1", "plants/SZ1/complaints/SZ1-2026-00001", "test.two"};
    t.state = TimerState::kNotArmed;
    return t;
  }
  absl::Time DueOf(const std::vector<PlannedStage>& plan, const std::string& deadline) const {
    for (const PlannedStage& s : plan) {
      if (s.deadline == deadline && s.kind == StageKind::kBreach) return s.due;
    }
    ADD_FAILURE() << "no breach of " << deadline;
    return absl::InfinitePast();
  }

  Policies policies_ = *ParsePolicies(kPolicies);
  Calendar calendar_ = DefaultCalendar("SZ1", "UTC");  // Mon-Fri 08-12, 13-17
  // Monday 2031-03-03 09:00 UTC.
  absl::Time monday_ = absl::FromCivil(absl::CivilSecond(2031, 3, 3, 9, 0, 0), absl::UTCTimeZone());
};

TEST_F(TimerRules, ArmStartsTheTimerOnceAndPlansEveryDeadline) {
  Timer t = NotArmed();
  auto stages = Arm(t, policy(), calendar_, std::nullopt, std::nullopt, monday_);
  ASSERT_TRUE(stages.ok()) << stages.status();
  ASSERT_TRUE(stages->has_value());
  EXPECT_EQ(t.state, TimerState::kArmed);
  EXPECT_EQ(t.start_time, monday_) << "no start given: now";
  EXPECT_EQ(t.arm_time, monday_);
  std::vector<PlannedStage> plan;
  for (const NewStage& s : **stages) {
    EXPECT_FALSE(s.cancelled);
    plan.push_back(s.stage);
  }
  EXPECT_EQ(DueOf(plan, "contain"), monday_ + absl::Hours(24));
  // Three working days after Monday: the end of Thursday's working day.
  EXPECT_EQ(DueOf(plan, "close"), monday_ + absl::Hours(3 * 24 + 8));

  // Arming again is a repeat: nothing changes.
  const Timer before = t;
  auto again =
      Arm(t, policy(), calendar_, monday_ + absl::Hours(1), std::nullopt, monday_ + absl::Hours(2));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(t.start_time, before.start_time);
}

TEST_F(TimerRules, ADisarmBeforeTheArmLeavesATombstoneTheArmHonours) {
  Timer t = NotArmed();
  auto disarmed = Disarm(t, policy(), "contain", monday_);
  ASSERT_TRUE(disarmed.ok());
  EXPECT_TRUE(disarmed->changed);
  EXPECT_TRUE(disarmed->responses.empty()) << "nothing had started: no response time";
  EXPECT_EQ(t.state, TimerState::kNotArmed);
  auto stages = Arm(t, policy(), calendar_, monday_, std::nullopt, monday_ + absl::Minutes(1));
  ASSERT_TRUE(stages.ok() && stages->has_value());
  for (const NewStage& s : **stages) {
    EXPECT_EQ(s.cancelled, s.stage.deadline == "contain") << s.stage.deadline;
  }
}

TEST_F(TimerRules, DisarmingEveryDeadlineDisarmsTheTimerWithResponseTimesLessPauses) {
  Timer t = NotArmed();
  ASSERT_TRUE(Arm(t, policy(), calendar_, monday_, std::nullopt, monday_).ok());
  t.paused = absl::Hours(1);
  auto first = Disarm(t, policy(), "contain", monday_ + absl::Hours(5));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->responses.size(), 1u);
  EXPECT_EQ(first->responses[0].first, "contain");
  EXPECT_EQ(first->responses[0].second, absl::Hours(4));
  EXPECT_EQ(t.state, TimerState::kArmed) << "close is still open";

  auto rest = Disarm(t, policy(), "", monday_ + absl::Hours(30));
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->responses.size(), 1u) << "contain was answered before";
  EXPECT_EQ(rest->responses[0].first, "close");
  EXPECT_EQ(t.state, TimerState::kDisarmed);
  EXPECT_EQ(t.disarm_time, monday_ + absl::Hours(30));

  auto repeat = Disarm(t, policy(), "", monday_ + absl::Hours(31));
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(repeat->changed);
}

TEST_F(TimerRules, AnUnknownDeadlineIsInvalidArgument) {
  Timer t = NotArmed();
  auto refused = Disarm(t, policy(), "nonsense", monday_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(t.disarmed_deadlines.empty()) << "a refusal changes nothing";
}

// A pause over a weekend moves the 24 h deadline by the wall time paused and the working-days
// deadline not at all (no working time passed).
TEST_F(TimerRules, ResumeMovesEachDeadlineByThePauseInItsOwnUnit) {
  Timer t = NotArmed();
  const absl::Time friday_17 = monday_ + absl::Hours(4 * 24 + 8);  // Friday 17:00
  ASSERT_TRUE(Arm(t, policy(), calendar_, monday_, std::nullopt, monday_).ok());
  ASSERT_TRUE(Pause(t, friday_17));
  EXPECT_EQ(t.state, TimerState::kPaused);
  EXPECT_FALSE(Pause(t, friday_17 + absl::Hours(1))) << "already paused";
  const absl::Time monday_08 = friday_17 + absl::Hours(63);  // next Monday 08:00
  auto resumed = Resume(t, &policy(), calendar_, monday_08);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_TRUE(resumed->resumed);
  ASSERT_TRUE(resumed->plan.has_value());
  EXPECT_EQ(t.state, TimerState::kArmed);
  EXPECT_EQ(t.paused, absl::Hours(63));
  EXPECT_EQ(t.paused_working, absl::ZeroDuration());
  EXPECT_EQ(DueOf(*resumed->plan, "contain"), monday_ + absl::Hours(24 + 63));
  EXPECT_EQ(DueOf(*resumed->plan, "close"), monday_ + absl::Hours(3 * 24 + 8));

  auto again = Resume(t, &policy(), calendar_, monday_08 + absl::Hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->resumed) << "already running";
}

TEST_F(TimerRules, ACalendarChangeReplansWithThePausesSoFar) {
  Timer t = NotArmed();
  ASSERT_TRUE(Arm(t, policy(), calendar_, monday_, std::nullopt, monday_).ok());
  Calendar with_holiday = calendar_;
  with_holiday.holidays.insert(absl::CivilDay(2031, 3, 4));  // Tuesday off
  auto plan = Replan(t, policy(), with_holiday);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(DueOf(*plan, "close"), monday_ + absl::Hours(4 * 24 + 8)) << "one working day later";
  EXPECT_EQ(DueOf(*plan, "contain"), monday_ + absl::Hours(24)) << "calendar hours do not move";
}

TEST_F(TimerRules, ABreachDueAndUnansweredMakesARunningTimerOverdue) {
  Stage breach;
  breach.kind = StageKind::kBreach;
  breach.due = monday_;
  breach.state = StageState::kFired;
  EXPECT_TRUE(MakesOverdue(breach, TimerState::kArmed, monday_));
  EXPECT_FALSE(MakesOverdue(breach, TimerState::kArmed, monday_ - absl::Seconds(1)));
  EXPECT_FALSE(MakesOverdue(breach, TimerState::kDisarmed, monday_));
  breach.state = StageState::kHeld;
  EXPECT_FALSE(MakesOverdue(breach, TimerState::kPaused, monday_)) << "held: moves on resume";
  breach.state = StageState::kCancelled;
  EXPECT_FALSE(MakesOverdue(breach, TimerState::kArmed, monday_)) << "answered";
  Stage warning = breach;
  warning.kind = StageKind::kWarning;
  warning.state = StageState::kFired;
  EXPECT_FALSE(MakesOverdue(warning, TimerState::kArmed, monday_));
}

}  // namespace
}  // namespace qms::notifications
