// Statistics, the 8D report and audit findings over real gRPC against the real MariaDB.
#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/db/sql_time.h"
#include "tests/complaints/service_fixture.h"

namespace qms::complaints {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ReportsTest : public ComplaintServiceTest {
 protected:
  using ComplaintServiceTest::ComplaintServiceTest;

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

// SZ1 in Asia/Shanghai, times
// placed on the database clock, the recorded times of the steps set exactly in the rows: the
// statistics and the audit summary, aggregated by the database, against the rules they count.
PlantCalendars Shanghai() {
  PlantCalendars plants;
  EXPECT_TRUE(plants.Add("SZ1", "Asia/Shanghai").ok());
  return plants;
}

class PlantPeriodsTest : public ReportsTest {
 protected:
  PlantPeriodsTest() : ReportsTest(Shanghai()) {}

  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone_));
    now_ = absl::FromUnixSeconds(db_.Count("SELECT UNIX_TIMESTAMP()"));
    ReportsTest::SetUp();
  }
  // Plant-local civil time `month` + `days`, `hour`:00.
  absl::Time Local(absl::CivilMonth month, int days, int hour) const {
    return absl::FromCivil(absl::CivilHour(absl::CivilDay(month) + days) + hour, zone_);
  }
  std::string Sql(absl::Time t) const { return absl::StrCat("'", db::ToSqlDateTime(t), "'"); }

  absl::TimeZone zone_;
  absl::Time now_;
};

TEST_F(PlantPeriodsTest, StatisticsCountOnTimeLateOpenAndOverduePerPlantMonthAndCustomer) {
  // Months counted back from the fresh complaint's own, so it is two months on whatever the day.
  const absl::Time fresh_received = now_ - absl::Hours(1);
  const absl::CivilMonth month = absl::ToCivilMonth(fresh_received, zone_) - 2;
  const absl::Time received_on_time = Local(month, 1, 9);
  const absl::Time received_late = Local(month, 9, 9);
  // 02:00 on the 1st of the next month in Shanghai: still the month before in UTC.
  const absl::Time received_at_the_turn = Local(month + 1, 0, 2);
  const v1::Complaint on_time = Register("ACME", received_on_time);
  const v1::Complaint late = Register("ACME", received_late);
  const v1::Complaint turn = Register("BOSCH", received_at_the_turn);
  Register("ACME", fresh_received);  // nothing due yet
  // The steps' recorded times, exactly: contained in 11 h and replied within its 72 h, closed;
  // contained after 27 h, not replied, serious.
  db_.Execute(absl::StrCat(
      "UPDATE complaints SET corrective_action_due = received_time + INTERVAL 72 HOUR"));
  db_.Execute(absl::StrCat("UPDATE complaints SET status = 'CLOSED', contain_time = ",
                           Sql(received_on_time + absl::Hours(11)),
                           ", reply_time = ", Sql(received_on_time + absl::Hours(48)),
                           " WHERE number = '", on_time.number(), "'"));
  db_.Execute(absl::StrCat("UPDATE complaints SET status = 'CONTAINED', contain_time = ",
                           Sql(received_late + absl::Hours(27)),
                           ", serious_reasons = 'RETURN_OR_EXCHANGE' WHERE number = '",
                           late.number(), "'"));

  v1::GetComplaintStatisticsRequest r;
  r.set_parent("plants/SZ1");
  r.set_from_month(absl::FormatCivilTime(month));
  r.set_to_month(absl::FormatCivilTime(month + 2));
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::GetComplaintStatisticsResponse stats;
  ASSERT_TRUE(stub_->GetComplaintStatistics(&context, r, &stats).ok());
  ASSERT_EQ(stats.rows_size(), 3);
  const auto& acme = stats.rows(0);
  EXPECT_EQ(acme.month(), absl::FormatCivilTime(month));
  EXPECT_EQ(acme.customer(), "ACME");
  EXPECT_EQ(acme.received(), 2);
  EXPECT_EQ(acme.serious(), 1);
  EXPECT_EQ(acme.containment_due(), 2);
  EXPECT_EQ(acme.contained_on_time(), 1);
  EXPECT_DOUBLE_EQ(acme.containment_on_time_rate(), 0.5);
  EXPECT_EQ(acme.corrective_action_due(), 2) << "replied, or past its due time";
  EXPECT_EQ(acme.corrective_action_on_time(), 1);
  EXPECT_EQ(acme.open(), 1);
  EXPECT_EQ(acme.overdue(), 1) << "late's corrective action is past due";
  const auto& bosch = stats.rows(1);
  EXPECT_EQ(bosch.month(), absl::FormatCivilTime(month + 1)) << "the plant's month, not UTC's";
  EXPECT_EQ(bosch.customer(), "BOSCH");
  EXPECT_EQ(bosch.containment_due(), 1);
  EXPECT_EQ(bosch.contained_on_time(), 0);
  EXPECT_EQ(bosch.overdue(), 1);
  const auto& fresh = stats.rows(2);
  EXPECT_EQ(fresh.month(), absl::FormatCivilTime(month + 2));
  EXPECT_EQ(fresh.received(), 1);
  EXPECT_EQ(fresh.containment_due(), 0);
  EXPECT_DOUBLE_EQ(fresh.containment_on_time_rate(), 1.0) << "nothing due yet";
  EXPECT_EQ(fresh.open(), 1);
  EXPECT_EQ(fresh.overdue(), 0);

  r.set_customer("BOSCH");
  grpc::ClientContext one_context;
  testing::Authorize(one_context);
  ASSERT_TRUE(stub_->GetComplaintStatistics(&one_context, r, &stats).ok());
  ASSERT_EQ(stats.rows_size(), 1);
  EXPECT_EQ(stats.rows(0).customer(), "BOSCH");
}

TEST_F(PlantPeriodsTest, AuditSummaryByPlantMonthQuarterAndYear) {
  const absl::Time fresh_raised = now_ - absl::Hours(1);
  const absl::CivilMonth month = absl::ToCivilMonth(fresh_raised, zone_) - 4;
  const v1::AuditFinding on_time = Raise(Local(month, 2, 9));
  Raise(Local(month, 5, 9));      // still open long after: late, on the blacklist
  Raise(Local(month + 1, 0, 2));  // 02:00 on the 1st in Shanghai, the month before in UTC
  Raise(fresh_raised);            // not yet due
  db_.Execute(absl::StrCat(
      "UPDATE audit_findings SET status = 'CLOSED', countermeasure_time = raised_time + "
      "INTERVAL 1 HOUR, analysis_time = raised_time + INTERVAL 2 HOUR, close_time = raised_time "
      "+ INTERVAL 3 HOUR WHERE id = ",
      on_time.name().substr(on_time.name().rfind('/') + 1)));

  auto summary = [&](v1::SummaryPeriod period) {
    v1::GetAuditSummaryRequest r;
    r.set_parent("plants/SZ1");
    r.set_period(period);
    r.mutable_raised_after()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(month, zone_)));
    r.mutable_raised_before()->set_seconds(absl::ToUnixSeconds(now_ + absl::Hours(1)));
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::GetAuditSummaryResponse out;
    EXPECT_TRUE(findings_stub_->GetAuditSummary(&context, r, &out).ok());
    return out;
  };
  const v1::GetAuditSummaryResponse months = summary(v1::MONTH);
  ASSERT_EQ(months.periods_size(), 3);
  EXPECT_EQ(months.periods(0).period(), absl::FormatCivilTime(month));
  EXPECT_EQ(months.periods(0).raised(), 2);
  EXPECT_EQ(months.periods(0).closed(), 1);
  EXPECT_EQ(months.periods(0).closed_on_time(), 1);
  EXPECT_EQ(months.periods(0).blacklisted(), 1);
  EXPECT_EQ(months.periods(1).period(), absl::FormatCivilTime(month + 1));
  EXPECT_EQ(months.periods(1).raised(), 1);
  EXPECT_EQ(months.periods(1).blacklisted(), 1);
  EXPECT_EQ(months.periods(2).period(), absl::FormatCivilTime(month + 4));
  EXPECT_EQ(months.periods(2).blacklisted(), 0) << "not yet due";

  auto quarter = [](absl::CivilMonth m) {
    return absl::StrCat(m.year(), "-Q", (m.month() - 1) / 3 + 1);
  };
  const v1::GetAuditSummaryResponse quarters = summary(v1::QUARTER);
  int raised = 0;
  for (const auto& p : quarters.periods()) raised += p.raised();
  EXPECT_EQ(raised, 4);
  EXPECT_EQ(quarters.periods(0).period(), quarter(month));
  EXPECT_EQ(quarters.periods(quarters.periods_size() - 1).period(), quarter(month + 4));
  const v1::GetAuditSummaryResponse years = summary(v1::YEAR);
  EXPECT_EQ(years.periods(0).period(), absl::StrCat(month.year()));
  EXPECT_EQ(years.periods(years.periods_size() - 1).period(), absl::StrCat((month + 4).year()));
}

}  // namespace
}  // namespace qms::complaints
