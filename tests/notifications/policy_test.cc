#include "services/notifications/policy.h"

#include <gtest/gtest.h>

namespace qms::notifications {
namespace {

TEST(PolicyTest, BuiltinPoliciesCoverTheProcedures) {
  absl::StatusOr<Policies> p = ParsePolicies(BuiltinPoliciesJson());
  ASSERT_TRUE(p.ok()) << p.status();
  for (const char* name :
       {"complaint.containment", "complaint.corrective_action", "complaint.verification",
        "complaint.serious", "audit.2485", "sample.validity", "sample.report_renewal",
        "property.stocktake", "survey.close", "improvement.action"}) {
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
  Policies p = *ParsePolicies(BuiltinPoliciesJson());
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

TEST(PolicyTest, ImmediateEscalationHasNoWarning) {
  Policies p = *ParsePolicies(BuiltinPoliciesJson());
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
