// Statistics, the 8D report and audit findings over real gRPC against the real MariaDB.
#include <gmock/gmock.h>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "tests/complaints/service_fixture.h"

namespace qms::complaints {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ReportsTest : public ComplaintServiceTest {
 protected:
  v1::Complaint Register(const std::string& customer, absl::Time received, bool returned = false) {
    v1::CreateComplaintRequest r;
    r.set_parent("plants/SZ1");
    *r.mutable_complaint() = ValidComplaint();
    r.mutable_complaint()->set_customer(customer);
    r.mutable_complaint()->set_goods_returned(returned);
    r.mutable_complaint()->mutable_received_time()->set_seconds(absl::ToUnixSeconds(received));
    v1::Complaint out;
    EXPECT_TRUE(Create(r, &out).ok());
    return out;
  }

  v1::AuditFinding Raise(absl::Time raised) {
    v1::CreateAuditFindingRequest r;
    r.set_parent("plants/SZ1");
    r.mutable_finding()->set_customer("ACME");
    r.mutable_finding()->set_audited_area("SMT line 2");
    r.mutable_finding()->set_finding("ESD straps not tested");
    r.mutable_finding()->set_owner("Wang Wu");
    r.mutable_finding()->mutable_raised_time()->set_seconds(absl::ToUnixSeconds(raised));
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::AuditFinding out;
    grpc::Status s = findings_stub_->CreateAuditFinding(&context, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
};

TEST_F(ReportsTest, StatisticsCountPerCustomerAndMonthWithOverdue) {
  const absl::Time long_ago = absl::Now() - absl::Hours(24 * 10);
  Register("ACME", long_ago);
  Register("ACME", long_ago + absl::Hours(1), true);
  Register("BOSCH", long_ago);
  v1::GetComplaintStatisticsRequest r;
  r.set_parent("plants/SZ1");
  const absl::CivilMonth month = absl::ToCivilMonth(long_ago, absl::UTCTimeZone());
  r.set_from_month(absl::FormatCivilTime(month));
  r.set_to_month(absl::FormatCivilTime(month));
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::GetComplaintStatisticsResponse stats;
  ASSERT_TRUE(stub_->GetComplaintStatistics(&context, r, &stats).ok());
  ASSERT_EQ(stats.rows_size(), 2);
  const auto& acme = stats.rows(0);
  EXPECT_EQ(acme.customer(), "ACME");
  EXPECT_EQ(acme.received(), 2);
  EXPECT_EQ(acme.serious(), 1);
  EXPECT_EQ(acme.containment_due(), 2);
  EXPECT_EQ(acme.contained_on_time(), 0);
  EXPECT_DOUBLE_EQ(acme.containment_on_time_rate(), 0.0);
  EXPECT_EQ(acme.open(), 2);
  EXPECT_EQ(acme.overdue(), 2);
  EXPECT_EQ(stats.rows(1).customer(), "BOSCH");

  r.set_to_month("1999-01");
  grpc::ClientContext bad_context;
  testing::Authorize(bad_context);
  grpc::Status bad = stub_->GetComplaintStatistics(&bad_context, r, &stats);
  EXPECT_EQ(bad.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(bad), ElementsAre("to_month"));
}

TEST_F(ReportsTest, ReportIsHtmlOfTheStoredComplaint) {
  v1::Complaint c = Register("<b>ACME</b>", absl::Now() - absl::Hours(1));
  v1::GetReportRequest r;
  r.set_name(c.name());
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::Report report;
  ASSERT_TRUE(stub_->GetReport(&context, r, &report).ok());
  EXPECT_EQ(report.content_type(), "text/html; charset=utf-8");
  EXPECT_NE(report.content().find(c.number()), std::string::npos);
  EXPECT_NE(report.content().find("&lt;b&gt;ACME&lt;/b&gt;"), std::string::npos);
  r.set_name("plants/SZ1/complaints/none");
  grpc::ClientContext missing;
  testing::Authorize(missing);
  EXPECT_EQ(stub_->GetReport(&missing, r, &report).error_code(), grpc::NOT_FOUND);
}

TEST_F(ReportsTest, AuditFindingRunsTheTwoFourEightFiveStagesAndStopsItsTimer) {
  v1::AuditFinding f = Raise(absl::Now() - absl::Hours(2));
  EXPECT_EQ(f.status(), v1::FINDING_OPEN);
  EXPECT_EQ(f.close_due_time().seconds() - f.raised_time().seconds(), 5 * 24 * 3600);
  EXPECT_THAT(Outbox(), ElementsAre("arm audit.2485 " + f.name()));
  {
    v1::SubmitAuditCountermeasureRequest r;
    r.set_name(f.name());
    r.set_etag(f.etag());
    r.set_countermeasure("straps tested every shift");
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(findings_stub_->SubmitAuditCountermeasure(&context, r, &f).ok());
  }
  {
    v1::CloseAuditFindingRequest r;
    r.set_name(f.name());
    r.set_closing_notes("verified");
    grpc::ClientContext context;
    testing::Authorize(context);
    EXPECT_EQ(findings_stub_->CloseAuditFinding(&context, r, &f).error_code(),
              grpc::FAILED_PRECONDITION)
        << "analysis comes before closure";
  }
  {
    v1::SubmitAuditAnalysisRequest r;
    r.set_name(f.name());
    r.set_root_cause("no checklist");
    r.set_long_term_action("checklist in MES");
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(findings_stub_->SubmitAuditAnalysis(&context, r, &f).ok());
  }
  {
    v1::CloseAuditFindingRequest r;
    r.set_name(f.name());
    r.set_closing_notes("verified on site");
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(findings_stub_->CloseAuditFinding(&context, r, &f).ok());
  }
  EXPECT_EQ(f.status(), v1::FINDING_CLOSED);
  EXPECT_FALSE(f.blacklisted());
  EXPECT_THAT(Outbox(),
              ElementsAre("arm audit.2485 " + f.name(), "disarm audit.2485 " + f.name(),
                          "disarm audit.2485 " + f.name(), "disarm audit.2485 " + f.name()));
  EXPECT_EQ(db_.Rows("SELECT detail FROM outbox WHERE kind = 'disarm' ORDER BY id"),
            (std::vector<std::string>{"countermeasure", "analysis", ""}));
}

TEST_F(ReportsTest, OverdueFindingsAreOnTheBlacklistLedgerAndInTheSummary) {
  const absl::Time now = absl::Now();
  v1::AuditFinding late = Raise(now - absl::Hours(30));  // countermeasure 6 h overdue
  v1::AuditFinding fresh = Raise(now - absl::Hours(1));
  EXPECT_TRUE(late.blacklisted());
  EXPECT_THAT(late.late_stages(), ElementsAre("countermeasure"));
  EXPECT_FALSE(fresh.blacklisted());

  v1::ListAuditFindingsRequest list;
  list.set_parent("plants/SZ1");
  list.set_blacklisted_only(true);
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::ListAuditFindingsResponse ledger;
  ASSERT_TRUE(findings_stub_->ListAuditFindings(&context, list, &ledger).ok());
  ASSERT_EQ(ledger.findings_size(), 1);
  EXPECT_EQ(ledger.findings(0).name(), late.name());

  v1::GetAuditSummaryRequest summary;
  summary.set_parent("plants/SZ1");
  summary.set_period(v1::YEAR);
  summary.mutable_raised_after()->set_seconds(absl::ToUnixSeconds(now - absl::Hours(24 * 30)));
  summary.mutable_raised_before()->set_seconds(absl::ToUnixSeconds(now + absl::Hours(1)));
  grpc::ClientContext summary_context;
  testing::Authorize(summary_context);
  v1::GetAuditSummaryResponse counts;
  ASSERT_TRUE(findings_stub_->GetAuditSummary(&summary_context, summary, &counts).ok());
  int raised = 0, blacklisted = 0;
  for (const auto& p : counts.periods()) {
    raised += p.raised();
    blacklisted += p.blacklisted();
  }
  EXPECT_EQ(raised, 2);
  EXPECT_EQ(blacklisted, 1);
  summary.clear_raised_before();
  grpc::ClientContext bad_context;
  testing::Authorize(bad_context);
  grpc::Status bad = findings_stub_->GetAuditSummary(&bad_context, summary, &counts);
  EXPECT_THAT(ViolatedFields(bad), ElementsAre("raised_before"));
}

}  // namespace
}  // namespace qms::complaints
