#include "services/notifications/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace qms::notifications {
namespace {

// Complaints' own policies (services/complaints/policies.json): the procedures' deadlines.
std::string ComplaintsPolicies() {
  std::ifstream in(QMS_SOURCE_DIR "/services/complaints/policies.json");
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(PolicyTest, ComplaintsPoliciesCoverTheProcedures) {
  absl::StatusOr<Policies> p = ParsePolicies(ComplaintsPolicies());
  ASSERT_TRUE(p.ok()) << p.status();
  for (const char* name : {"complaint.containment", "complaint.corrective_action",
                           "complaint.verification", "complaint.serious", "audit.2485"}) {
    EXPECT_EQ(p->count(name), 1u) << name;
  }
  const Policy& audit = p->at("audit.2485");
  ASSERT_EQ(audit.deadlines.size(), 3u);
  EXPECT_EQ(audit.deadlines[0].duration.time, absl::Hours(24));
  EXPECT_EQ(audit.deadlines[1].duration.time, absl::Hours(48));
  EXPECT_EQ(audit.deadlines[2].duration.time, absl::Hours(120));
  EXPECT_EQ(p->at("complaint.corrective_action").deadlines[0].duration.days, 3);
}

TEST(PolicyTest, PlansWarningBreachAndEscalationsPerDeadline) {
  Policies p = *ParsePolicies(ComplaintsPolicies());
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  const Calendar utc = DefaultCalendar("SZ1", "UTC");
  auto stages = PlanStages(p.at("complaint.containment"), utc, start, std::nullopt);
  ASSERT_TRUE(stages.ok());
  ASSERT_EQ(stages->size(), 4u);
  EXPECT_EQ((*stages)[0].kind, StageKind::kWarning);
  EXPECT_EQ((*stages)[0].due, start + absl::Hours(18));  // 75 % of 24 h
  EXPECT_EQ((*stages)[1].kind, StageKind::kBreach);
  EXPECT_EQ((*stages)[1].due, start + absl::Hours(24));
  EXPECT_EQ((*stages)[2].kind, StageKind::kEscalation);
  EXPECT_EQ((*stages)[2].level, 1);
  EXPECT_EQ((*stages)[2].due, start + absl::Hours(28));
  EXPECT_EQ((*stages)[3].due, start + absl::Hours(48));
  EXPECT_EQ((*stages)[3].roles, std::vector<std::string>{"general_manager"});

  // An explicit due time (the customer's date) replaces the first deadline.
  auto explicit_due =
      PlanStages(p.at("complaint.corrective_action"), utc, start, start + absl::Hours(30));
  ASSERT_TRUE(explicit_due.ok());
  EXPECT_EQ((*explicit_due)[0].due, start + absl::Hours(22));  // warn 8 h before
  EXPECT_EQ((*explicit_due)[1].due, start + absl::Hours(30));

  // Stage numbers are stable per deadline.
  auto audit = PlanStages(p.at("audit.2485"), utc, start, std::nullopt);
  ASSERT_TRUE(audit.ok());
  std::vector<int> indexes;
  for (const PlannedStage& s : *audit) indexes.push_back(s.index);
  EXPECT_EQ(indexes, (std::vector<int>{0, 1, 2, 16, 17, 18, 32, 33, 34}));
}

// Pauses move a deadline in its own unit: working time for working days and hours (a weekend's
// pause, no working time, moves them not at all), wall time for calendar hours and for the
// customer's explicit date. The stages around a deadline move with it.
TEST(PolicyTest, PausesMoveEachDeadlineInItsOwnUnit) {
  Policies p = *ParsePolicies(ComplaintsPolicies());
  const Calendar berlin = DefaultCalendar("BER", "Europe/Berlin");
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &zone));
  const auto local = [&](int d, int h, int m = 0) {
    return absl::FromCivil(absl::CivilMinute(2026, 11, d, h, m), zone);
  };
  const absl::Time start = local(20, 10);  // Friday 20 November 2026, 10:00
  const Policy& corrective = p.at("complaint.corrective_action");
  const auto breach = [](const std::vector<PlannedStage>& stages) {
    for (const PlannedStage& s : stages) {
      if (s.kind == StageKind::kBreach) return s.due;
    }
    return absl::InfinitePast();
  };
  const auto plan = [&](Paused paused, std::optional<absl::Time> due = std::nullopt) {
    auto stages = PlanStages(corrective, berlin, start, due, paused);
    EXPECT_TRUE(stages.ok()) << stages.status();
    return *stages;
  };
  const absl::Time unpaused = breach(plan({}));
  EXPECT_EQ(unpaused, local(25, 17));  // Mon, Tue, Wed
  // Paused over the weekend: 64 hours of wall time, no working time.
  EXPECT_EQ(breach(plan({absl::Hours(64), absl::ZeroDuration()})), unpaused);
  // Paused for two working hours: Thursday 10:00 (Wednesday closed at 17:00).
  const std::vector<PlannedStage> moved = plan({absl::Hours(2), absl::Hours(2)});
  EXPECT_EQ(breach(moved), local(26, 10));
  EXPECT_EQ(moved.front().kind, StageKind::kWarning);
  EXPECT_EQ(moved.front().due, local(26, 2)) << "8 h before the moved deadline";
  EXPECT_EQ(moved.back().due, local(26, 10) + absl::Hours(72)) << "escalations follow it";
  // The customer's own date moves by the wall time paused.
  EXPECT_EQ(breach(plan({absl::Hours(64), absl::ZeroDuration()}, local(30, 12))),
            local(30, 12) + absl::Hours(64));
  // A deadline in calendar hours moves by the wall time, weekend or not.
  auto containment = PlanStages(p.at("complaint.containment"), berlin, start, std::nullopt,
                                {absl::Hours(64), absl::ZeroDuration()});
  ASSERT_TRUE(containment.ok());
  EXPECT_EQ(breach(*containment), start + absl::Hours(24 + 64));
}

TEST(PolicyTest, ImmediateEscalationHasNoWarning) {
  Policies p = *ParsePolicies(ComplaintsPolicies());
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  auto stages =
      PlanStages(p.at("complaint.serious"), DefaultCalendar("X1", "UTC"), start, std::nullopt);
  ASSERT_TRUE(stages.ok());
  ASSERT_EQ(stages->size(), 1u);
  EXPECT_EQ((*stages)[0].due, start);
}

TEST(PolicyTest, RejectsBrokenFilesNamingTheEntry) {
  const auto error = [](const char* json) {
    absl::StatusOr<Policies> p = ParsePolicies(json);
    EXPECT_FALSE(p.ok()) << json;
    return std::string(p.status().message());
  };
  EXPECT_NE(
      error(R"({"policies": [{"name": "a", "deadlines": [{"name": "x", "duration": "3 weeks"}]}]})")
          .find("policy \"a\""),
      std::string::npos);
  error(R"({"policies": [{"name": "a", "deadlines": []}]})");
  error(R"({"policies": [{"name": "a", "deadlines": [{"name": "x", "duration": "1h",
           "warn_at_percent": 120}]}]})");
  error(R"({"policies": [{"name": "a", "deadlines": [{"name": "x", "duration": "1h",
           "escalations": [{"after": "2 working days"}]}]}]})");
  error(R"({"policies": [{"name": "a", "deadlines": [{"name": "x", "duration": "1h"}]},
                         {"name": "a", "deadlines": [{"name": "x", "duration": "1h"}]}]})");
  error("not json");
  error(R"({"policies": [{"name": 7}]})");
}

}  // namespace
}  // namespace qms::notifications
