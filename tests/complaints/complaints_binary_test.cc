// The complaints binary as it is deployed: started as a process, called over loopback.
#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <functional>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/db/transaction.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "qms/complaints/v1/audit_findings.grpc.pb.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "tests/support/rich_error.h"
#include "tests/support/eventually.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::complaints {
namespace {

using testing::ServiceProcess;
using testing::TestDatabase;

constexpr char kBinary[] = QMS_BINARY_DIR "/services/complaints/complaints";

v1::CreateComplaintRequest ValidCreate(const std::string& customer) {
  v1::CreateComplaintRequest r;
  r.set_parent("plants/SZ1");
  auto* c = r.mutable_complaint();
  c->set_customer(customer);
  c->set_part_number("PN-7");
  c->set_defect_description("wrong colour");
  c->set_channel(v1::WRITTEN);
  return r;
}

std::unique_ptr<v1::ComplaintService::Stub> Stub(const ServiceProcess& p) {
  return v1::ComplaintService::NewStub(
      grpc::CreateChannel(p.grpc_address(), grpc::InsecureChannelCredentials()));
}

using testing::MetricSample;

// A customer's reply date before the complaint was received would leave the complaint without
// its corrective-action timer (notifications refuses a due before its start): the binary refuses
// it at intake, naming the field, and writes nothing.
TEST(ComplaintsBinary, AReplyDateBeforeReceiptIsRefusedAndWritesNothing) {
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  auto stub = Stub(service);
  const absl::Time now = absl::FromUnixSeconds(db.Count("SELECT UNIX_TIMESTAMP()"));
  for (const bool with_received_time : {true, false}) {
    v1::CreateComplaintRequest create = ValidCreate("ACME");
    if (with_received_time) {
      create.mutable_complaint()->mutable_received_time()->set_seconds(
          absl::ToUnixSeconds(now - absl::Hours(2)));
    }
    create.mutable_complaint()->mutable_customer_required_reply_time()->set_seconds(
        absl::ToUnixSeconds(now - absl::Hours(3)));
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::Complaint c;
    const grpc::Status status = stub->CreateComplaint(&context, create, &c);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_EQ(testing::ViolatedFields(status),
              std::vector<std::string>{"complaint.customer_required_reply_time"});
  }
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM complaints"), 0);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM outbox"), 0);
}

// One instant, 00:01 on 1 January of last year in Shenzhen (16:01 on 31 December the year before
// in London), through the real binary started with a plants file: each plant's zone, from that
// file alone, decides the number's year, the statistics month, the audit summary's month and the
// times the 8D report prints.
TEST(ComplaintsBinary, ThePlantsFileGivesEachPlantItsZone) {
  TestDatabase db;
  const std::string plants = absl::StrCat(::testing::TempDir(), "/plants-", getpid(), ".json");
  std::ofstream(plants) << R"({"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai"},
                                          {"code": "LON", "timeZone": "Europe/London"}]})";
  ServiceProcess service(kBinary, db, {"--plants_file=" + plants});
  auto stub = Stub(service);
  auto findings = v1::AuditFindingService::NewStub(
      grpc::CreateChannel(service.grpc_address(), grpc::InsecureChannelCredentials()));
  const int year = static_cast<int>(db.Count("SELECT YEAR(UTC_TIMESTAMP())")) - 1;
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  const absl::Time instant = absl::FromCivil(absl::CivilMinute(year, 1, 1, 0, 1), shanghai);
  const auto month = [](int y, int m) { return absl::StrFormat("%04d-%02d", y, m); };

  for (const auto& [plant, local_year, local_month] :
       {std::tuple{std::string("SZ1"), year, 1}, std::tuple{std::string("LON"), year - 1, 12}}) {
    SCOPED_TRACE(plant);
    v1::CreateComplaintRequest create = ValidCreate("ACME");
    create.set_parent("plants/" + plant);
    create.mutable_complaint()->mutable_received_time()->set_seconds(absl::ToUnixSeconds(instant));
    v1::Complaint c;
    {
      grpc::ClientContext context;
      testing::Authorize(context);
      ASSERT_TRUE(stub->CreateComplaint(&context, create, &c).ok());
    }
    EXPECT_EQ(c.number(), absl::StrFormat("%s-%04d-00001", plant, local_year));

    v1::GetComplaintStatisticsRequest stats;
    stats.set_parent("plants/" + plant);
    stats.set_from_month(month(year - 1, 12));
    stats.set_to_month(month(year, 1));
    v1::GetComplaintStatisticsResponse figures;
    {
      grpc::ClientContext context;
      testing::Authorize(context);
      ASSERT_TRUE(stub->GetComplaintStatistics(&context, stats, &figures).ok());
    }
    ASSERT_EQ(figures.rows_size(), 1);
    EXPECT_EQ(figures.rows(0).month(), month(local_year, local_month));
    EXPECT_EQ(figures.rows(0).received(), 1);

    v1::CreateAuditFindingRequest raise;
    raise.set_parent("plants/" + plant);
    raise.mutable_finding()->set_customer("ACME");
    raise.mutable_finding()->set_audited_area("Line 3");
    raise.mutable_finding()->set_finding("Gauge out of calibration");
    raise.mutable_finding()->set_owner("Li");
    raise.mutable_finding()->mutable_raised_time()->set_seconds(absl::ToUnixSeconds(instant));
    v1::AuditFinding finding;
    {
      grpc::ClientContext context;
      testing::Authorize(context);
      const grpc::Status raised = findings->CreateAuditFinding(&context, raise, &finding);
      ASSERT_TRUE(raised.ok()) << raised.error_message();
    }
    v1::GetAuditSummaryRequest summary;
    summary.set_parent("plants/" + plant);
    summary.set_period(v1::MONTH);
    summary.mutable_raised_after()->set_seconds(absl::ToUnixSeconds(instant - absl::Hours(48)));
    summary.mutable_raised_before()->set_seconds(absl::ToUnixSeconds(instant + absl::Hours(48)));
    v1::GetAuditSummaryResponse periods;
    {
      grpc::ClientContext context;
      testing::Authorize(context);
      ASSERT_TRUE(findings->GetAuditSummary(&context, summary, &periods).ok());
    }
    std::vector<std::string> raised_in;
    for (const auto& p : periods.periods()) {
      if (p.raised() > 0) raised_in.push_back(p.period());
    }
    EXPECT_EQ(raised_in, std::vector<std::string>{month(local_year, local_month)});

    v1::GetReportRequest report_request;
    report_request.set_name(c.name());
    v1::Report report;
    {
      grpc::ClientContext context;
      testing::Authorize(context);
      ASSERT_TRUE(stub->GetReport(&context, report_request, &report).ok());
    }
    const std::string printed = plant == "SZ1" ? absl::StrFormat("%04d-01-01 00:01 CST", year)
                                               : absl::StrFormat("%04d-12-31 16:01 GMT", year - 1);
    EXPECT_NE(report.content().find(printed), std::string::npos) << printed;
  }
}

TEST(ComplaintsBinary, ReportsServingOnceTheDatabaseAnswers) {
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(service.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckResponse response;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext context;
    testing::Authorize(context);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("qms.complaints.v1.ComplaintService");
    ASSERT_TRUE(health->Check(&context, request, &response).ok());
    if (response.status() == grpc::health::v1::HealthCheckResponse::SERVING) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(ComplaintsBinary, ReflectionListsTheComplaintsService) {
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  auto probe = testing::RunCommand(
      absl::StrCat(QMS_BINARY_DIR, "/tests/reflection_probe ", service.grpc_address()));
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("qms.complaints.v1.ComplaintService\n"), std::string::npos)
      << probe.output;
  EXPECT_NE(probe.output.find("grpc.health.v1.Health\n"), std::string::npos) << probe.output;
}

TEST(ComplaintsBinary, MetricsCountHandledCallsByCode) {
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  auto stub = Stub(service);
  v1::Complaint out;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(stub->CreateComplaint(&context, ValidCreate("ACME"), &out).ok());
  }
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    testing::Authorize(context);
    auto bad = ValidCreate("");
    EXPECT_EQ(stub->CreateComplaint(&context, bad, &out).error_code(), grpc::INVALID_ARGUMENT);
  }
  auto metrics = testing::HttpGet(service.metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const std::vector<std::string> create = {"grpc_method=\"CreateComplaint\"",
                                           "grpc_service=\"qms.complaints.v1.ComplaintService\"",
                                           "grpc_type=\"unary\""};
  auto with = [&](std::string label) {
    auto labels = create;
    labels.push_back(std::move(label));
    return labels;
  };
  EXPECT_EQ(MetricSample(*metrics, "grpc_server_handled_total", with("grpc_code=\"OK\"")), 1);
  EXPECT_EQ(
      MetricSample(*metrics, "grpc_server_handled_total", with("grpc_code=\"InvalidArgument\"")),
      2);
  EXPECT_EQ(MetricSample(*metrics, "grpc_server_started_total", create), 3);
  EXPECT_EQ(MetricSample(*metrics, "grpc_server_handling_seconds_count", create), 3);
  // One create committed, alone: one transaction of one create (refused ones commit nothing).
  EXPECT_EQ(MetricSample(*metrics, "qms_complaint_create_batch_size_count", {}), 1);
  EXPECT_EQ(MetricSample(*metrics, "qms_complaint_create_batch_size_sum", {}), 1);
}

TEST(ComplaintsBinary, RecordMetricsCountOpenComplaintsAndTheStepsTaken) {
  TestDatabase db;
  ServiceProcess service(kBinary, db, {"--records_refresh=200ms"});
  auto stub = Stub(service);
  v1::Complaint out;
  // Two creates, and a retry of the last (not a step).
  for (const char* customer : {"ACME", "GLOBEX", "GLOBEX"}) {
    v1::CreateComplaintRequest r = ValidCreate(customer);
    r.set_request_id(customer);
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(stub->CreateComplaint(&context, r, &out).ok());
  }
  // One complaint's containment is overdue: received 25 hours ago.
  db.Execute(
      "UPDATE complaints SET received_time = UTC_TIMESTAMP(6) - INTERVAL 25 HOUR "
      "WHERE customer = 'ACME'");
  const auto sample = [&](const std::string& metric, const std::vector<std::string>& labels) {
    auto metrics = testing::HttpGet(service.metrics_address(), "/metrics");
    return metrics.ok() ? MetricSample(*metrics, metric, labels) : -1;
  };
  EXPECT_TRUE(testing::Eventually([&] {
    return sample("qms_records_open",
                  {"record=\"complaint\"", "plant=\"SZ1\"", "state=\"RECEIVED\""}) == 2 &&
           sample("qms_records_overdue", {"record=\"complaint\"", "plant=\"SZ1\""}) == 1;
  }));
  EXPECT_EQ(sample("qms_record_steps_total", {"record=\"complaint\"", "step=\"CreateComplaint\""}),
            2);
}

TEST(ComplaintsBinary, SigtermLetsInFlightCallsFinish) {
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  auto stub = Stub(service);
  v1::Complaint first;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(stub->CreateComplaint(&context, ValidCreate("C0"), &first).ok());
  }
  // Hold the plant's number sequence from outside so that the next creates stay in flight.
  auto lock = db.admin().Acquire();
  ASSERT_TRUE(lock.ok());
  (*lock)->Execute("USE " + db.options().database);
  (*lock)->Execute("START TRANSACTION");
  (*lock)->Execute("SELECT * FROM complaint_numbers FOR UPDATE");

  constexpr int kInFlight = 3;
  std::vector<grpc::Status> results(kInFlight);
  std::vector<std::thread> callers;
  bool released = false;
  auto release = [&] {
    if (!released) (*lock)->Execute("ROLLBACK");
    released = true;
    for (auto& t : callers) {
      if (t.joinable()) t.join();
    }
  };
  struct Guard {
    std::function<void()> f;
    ~Guard() { f(); }
  } guard{release};
  for (int i = 0; i < kInFlight; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext context;
      testing::Authorize(context);
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::Complaint out;
      results[i] = stub->CreateComplaint(&context, ValidCreate(absl::StrCat("C", i + 1)), &out);
    });
  }
  // Wait until all of them are in flight (started, not handled, by the server's own counters)
  // and the database holds one on the lock (an event, not a guess); the others wait in the
  // plant's group commit for that transaction.
  int64_t waiting = 0;
  double in_flight = 0;
  for (int i = 0; i < 1000 && (waiting < 1 || in_flight < kInFlight); ++i) {
    waiting = db.Count(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND "
        "command = 'Execute' AND info LIKE 'INSERT INTO complaint_numbers%'");
    const auto metrics = testing::HttpGet(service.metrics_address(), "/metrics");
    if (metrics.ok()) {
      const std::vector<std::string> create = {"grpc_method=\"CreateComplaint\""};
      in_flight = testing::MetricSample(*metrics, "grpc_server_started_total", create) -
                  testing::MetricSample(*metrics, "grpc_server_handled_total", create);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GE(waiting, 1);
  ASSERT_EQ(in_flight, kInFlight);

  service.Signal(SIGTERM);
  absl::SleepFor(absl::Milliseconds(300));  // the server is draining while the calls wait
  release();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(service.Wait(absl::Seconds(15)), 0) << "clean exit after draining";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM complaints"), 1 + kInFlight);
}

}  // namespace
}  // namespace qms::complaints
