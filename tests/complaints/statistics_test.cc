#include "services/complaints/statistics.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "services/complaints/report.h"

namespace qms::complaints {
namespace {

absl::Time At(int m, int d, int h = 9) {
  return absl::FromCivil(absl::CivilSecond(2026, m, d, h, 0, 0), absl::UTCTimeZone());
}

Complaint Received(const std::string& customer, absl::Time received) {
  Complaint c;
  c.plant = "SZ1";
  c.number = "SZ1-2026-00001";
  c.intake.customer = customer;
  c.intake.received_time = received;
  c.corrective_action_due = received + absl::Hours(72);
  return c;
}

TEST(MonthlyStatistics, CountsOnTimeRatesOpenAndOverduePerCustomerAndMonth) {
  Complaint on_time = Received("ACME", At(3, 2));
  on_time.contain_time = At(3, 2, 20);
  on_time.reply_time = At(3, 4);
  on_time.status = ComplaintStatus::kClosed;
  Complaint late = Received("ACME", At(3, 10));
  late.contain_time = At(3, 11, 12);  // 27 h
  late.serious_reasons = {SeriousReason::kReturnOrExchange};
  Complaint fresh = Received("ACME", At(3, 31, 20));  // nothing due yet at `now`
  Complaint other = Received("BOSCH", At(4, 1));
  const absl::Time now = At(4, 1, 10);
  auto rows = MonthlyStatistics({on_time, late, fresh, other}, absl::UTCTimeZone(), now);
  ASSERT_EQ(rows.size(), 2u);
  const MonthlyFigures& acme = rows[0];
  EXPECT_EQ(acme.month, "2026-03");
  EXPECT_EQ(acme.customer, "ACME");
  EXPECT_EQ(acme.received, 3);
  EXPECT_EQ(acme.serious, 1);
  EXPECT_EQ(acme.containment_due, 2);
  EXPECT_EQ(acme.contained_on_time, 1);
  EXPECT_DOUBLE_EQ(acme.containment_on_time_rate(), 0.5);
  EXPECT_EQ(acme.corrective_action_due, 2) << "replied, or past its due time";
  EXPECT_EQ(acme.corrective_action_on_time, 1);
  EXPECT_EQ(acme.open, 2);
  EXPECT_EQ(acme.overdue, 1) << "late's corrective action is past due";
  EXPECT_EQ(rows[1].customer, "BOSCH");
  EXPECT_DOUBLE_EQ(rows[1].containment_on_time_rate(), 1.0) << "nothing due yet";
}

TEST(MonthlyStatistics, MonthsAreThePlantsOwn) {
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  auto rows = MonthlyStatistics({Received("ACME", At(3, 31, 20))}, shanghai, At(4, 2));
  EXPECT_EQ(rows[0].month, "2026-04");  // 04:00 on 1 April in Shanghai
}

TEST(Report, IsSelfContainedAndEscapesEveryText) {
  Complaint c = Received("<script>alert(1)</script>", At(3, 2));
  c.intake.defect_description = "burr & \"sharp\" edge";
  c.triage = Triage{};
  c.triage->problem.what = "edge > 0.2 mm";
  c.corrective_actions = {
      Action{"replace <tool>", "Production", "Zhang", "2026-04-01", ActionStatus::kOpen, ""}};
  const std::string html = RenderReport(c, absl::UTCTimeZone());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("burr &amp; &quot;sharp&quot; edge"), std::string::npos);
  EXPECT_NE(html.find("edge &gt; 0.2 mm"), std::string::npos);
  EXPECT_NE(html.find("replace &lt;tool&gt;"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("href="), std::string::npos);
  for (const char* section : {"D1 Team", "D2 Problem", "D3 Containment", "D4 Root cause",
                              "D5/D6 Corrective", "D7 Preventive", "D8 Reply"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
}

}  // namespace
}  // namespace qms::complaints
