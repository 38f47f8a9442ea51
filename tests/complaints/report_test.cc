#include "services/complaints/report.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"

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
