// How the complaints service's reads grow with its tables (not a test): two complaints services,
// one on 10,000 complaints across 16 plants, one on 1,000,000, both holding the same last year
// of the measured plant (P00: 3,000 complaints, 300 audit findings); the large one adds twenty
// years of history and fifteen busy plants. For ListComplaints (first page, and a page 2,000
// complaints deep), GetComplaintStatistics (the last 12 months) and GetAuditSummary (12 months),
// the p50/p99 of each side and the ratio large/small, next to the target ≤ 2: the cost of a read
// should follow what it returns, not the size of the table. Run by `scripts/qms bench growth`.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/db/connection_pool.h"
#include "common/db/transaction.h"
#include "qms/complaints/v1/audit_findings.grpc.pb.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "tests/bench/load.h"

ABSL_FLAG(std::string, small_target, "", "complaints on the small database");
ABSL_FLAG(std::string, large_target, "", "complaints on the large database");
ABSL_FLAG(std::string, small_db, "bench_growth_small", "the small service's database");
ABSL_FLAG(std::string, large_db, "bench_growth_large", "the large service's database");
ABSL_FLAG(int32_t, db_port, 3306, "MariaDB port (to seed the tables)");
ABSL_FLAG(std::string, db_user, "", "database user");
ABSL_FLAG(std::string, db_password, "", "database password");
ABSL_FLAG(int32_t, large, 1000000, "complaints in the large database");
ABSL_FLAG(int32_t, seconds, 4, "measured seconds per read and size");
ABSL_FLAG(int32_t, callers, 4, "concurrent callers");
ABSL_FLAG(std::string, token, "", "bearer token (a reader of every plant)");
ABSL_FLAG(std::string, json_out, "", "write the table here as JSON");

namespace {

namespace v1 = qms::complaints::v1;
constexpr int kPlants = 16;
constexpr int kRecent = 3000;         // P00's last year, on both sides
constexpr int kRecentFindings = 300;  // P00's findings of the last year
constexpr int kSmall = 10000;
constexpr int kDeepPages = 40;  // of 50: 2,000 complaints deep
constexpr int64_t kYear = 365 * 86400;

void Run(qms::db::ConnectionPool& pool, const std::string& sql) {
  absl::Status s = qms::db::RunOnConnection(pool, [&](qms::db::Connection& c) -> absl::Status {
    c.Prepare(sql).execute();
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::cerr << "seeding failed: " << s << "\n" << sql.substr(0, 300) << "\n";
    std::exit(1);
  }
}

// `count` complaints of `plant`, received one after another (oldest first, so ids follow
// receipt as they do in use) over the `span_seconds` before `end_ago_seconds` ago; a mix of
// states, 20 customers, one in ten serious.
void SeedComplaints(qms::db::ConnectionPool& pool, const std::string& plant,
                    const std::string& batch, int count, int64_t end_ago_seconds,
                    int64_t span_seconds) {
  const int64_t step = std::max<int64_t>(1, span_seconds / count);
  Run(pool,
      absl::StrCat(
          "INSERT INTO complaints (plant, number, request_fingerprint, status, customer, "
          "customer_contact, part_number, order_number, lot_number, quantity_delivered, "
          "quantity_defective, defect_code, defect_description, goods_returned, "
          "customer_production_affected, customer_delivery_affected, channel, received_time, "
          "version, create_time, update_time, corrective_action_due, contain_time, reply_time, "
          "serious_reasons) SELECT '",
          plant, "', CONCAT('", plant, "-", batch,
          "-', seq), REPEAT('0', 64), ELT(1 + seq % 4, 'RECEIVED', 'CONTAINED', 'REPLIED', "
          "'CLOSED'), CONCAT('CUST-', seq % 20), '', CONCAT('PN-', seq % 50), '', '', 1000, 10, "
          "CONCAT('D', seq % 7), 'seeded', 0, 0, 0, 'EMAIL', t, 1, t, t, t + INTERVAL 72 HOUR, "
          "IF(seq % 4 > 0, t + INTERVAL 20 HOUR, NULL), IF(seq % 4 > 1, t + INTERVAL 48 HOUR, "
          "NULL), IF(seq % 10 = 0, 'REPEATED_BY_CUSTOMER', '') FROM (SELECT seq, "
          "UTC_TIMESTAMP(6) - INTERVAL ",
          end_ago_seconds, " SECOND - INTERVAL (", count, " - seq) * ", step,
          " SECOND AS t FROM seq_1_to_", count, ") s"));
}

void SeedFindings(qms::db::ConnectionPool& pool, const std::string& plant, int count,
                  int64_t end_ago_seconds, int64_t span_seconds) {
  const int64_t step = std::max<int64_t>(1, span_seconds / count);
  Run(pool,
      absl::StrCat(
          "INSERT INTO audit_findings (plant, request_fingerprint, status, customer, "
          "audited_area, finding, owner, raised_time, countermeasure, countermeasure_time, "
          "countermeasure_due, root_cause, long_term_action, analysis_time, analysis_due, "
          "closing_notes, close_time, close_due, version, create_time, update_time) SELECT '",
          plant,
          "', REPEAT('0', 64), IF(seq % 3 = 0, 'OPEN', 'CLOSED'), CONCAT('CUST-', seq % 20), "
          "'line', 'seeded', 'owner', t, '', IF(seq % 3 = 0, NULL, t + INTERVAL 20 HOUR), t + "
          "INTERVAL 24 HOUR, '', '', IF(seq % 3 = 0, NULL, t + INTERVAL 40 HOUR), t + INTERVAL 48 "
          "HOUR, '', IF(seq % 3 = 0, NULL, t + INTERVAL (90 + seq % 60) HOUR), t + INTERVAL 120 "
          "HOUR, 1, t, t FROM (SELECT seq, UTC_TIMESTAMP(6) - INTERVAL ",
          end_ago_seconds, " SECOND - INTERVAL (", count, " - seq) * ", step,
          " SECOND AS t FROM seq_1_to_", count, ") s"));
}

// What both sides hold: the last year of every plant (P00 the busiest).
void SeedRecent(qms::db::ConnectionPool& pool) {
  SeedComplaints(pool, "P00", "R", kRecent, 3600, kYear);
  SeedFindings(pool, "P00", kRecentFindings, 3600, kYear);
  for (int p = 1; p < kPlants; ++p) {
    const std::string plant = absl::StrFormat("P%02d", p);
    SeedComplaints(pool, plant, "R", (kSmall - kRecent) / (kPlants - 1), 3600, kYear);
    SeedFindings(pool, plant, 700 / (kPlants - 1), 3600, kYear);
  }
}

// The large side's twenty years before that, seeded first.
void SeedHistory(qms::db::ConnectionPool& pool, int complaints) {
  const int per_plant = (complaints - kSmall) / kPlants;
  for (int p = 0; p < kPlants; ++p) {
    const std::string plant = absl::StrFormat("P%02d", p);
    for (int part = 0; part < 4; ++part) {  // 5 years each, in statements of bounded size
      SeedComplaints(pool, plant, absl::StrCat("H", part), per_plant / 4,
                     kYear + 3600 + (3 - part) * 5 * kYear, 5 * kYear);
    }
    SeedFindings(pool, plant, per_plant / 10, kYear + 3600, 20 * kYear);
  }
}

// ANALYZE, then the number of complaints.
int64_t Analyze(qms::db::ConnectionPool& pool) {
  int64_t n = 0;
  (void)qms::db::RunOnConnection(pool, [&](qms::db::Connection& c) -> absl::Status {
    std::unique_ptr<sql::ResultSet> analyzed(
        c.Prepare("ANALYZE TABLE complaints, audit_findings").executeQuery());
    while (analyzed->next()) {
    }
    std::unique_ptr<sql::ResultSet> rows(
        c.Prepare("SELECT COUNT(*) FROM complaints").executeQuery());
    if (rows->next()) n = rows->getInt64(1);
    return absl::OkStatus();
  });
  return n;
}

std::unique_ptr<qms::db::ConnectionPool> Pool(const std::string& database) {
  qms::db::DatabaseOptions db;
  db.port = absl::GetFlag(FLAGS_db_port);
  db.user = absl::GetFlag(FLAGS_db_user);
  db.password = absl::GetFlag(FLAGS_db_password);
  db.database = database;
  db.pool_size = 1;
  return std::make_unique<qms::db::ConnectionPool>(db);
}

void Authorize(grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
}

struct Reads {
  std::string deep_token;  // of page kDeepPages + 1
};

Reads Prepare(const std::string& target) {
  auto stub = v1::ComplaintService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  Reads reads;
  for (int page = 0; page < kDeepPages; ++page) {
    grpc::ClientContext context;
    Authorize(context);
    v1::ListComplaintsRequest r;
    r.set_parent("plants/P00");
    r.set_page_size(50);
    r.set_page_token(reads.deep_token);
    v1::ListComplaintsResponse out;
    grpc::Status s = stub->ListComplaints(&context, r, &out);
    if (!s.ok()) {
      std::cerr << "ListComplaints: " << s.error_message() << "\n";
      std::exit(1);
    }
    reads.deep_token = out.next_page_token();
  }
  return reads;
}

using Read = std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&)>;

std::vector<std::pair<std::string, Read>> ReadsOf(const Reads& reads) {
  const absl::CivilMonth now(absl::ToCivilSecond(absl::Now(), absl::UTCTimeZone()));
  const std::string from = absl::FormatCivilTime(now - 11);
  const std::string to = absl::FormatCivilTime(now);
  auto list = [](const std::string& token) {
    return [token](const std::shared_ptr<grpc::Channel>& channel) {
      grpc::ClientContext context;
      Authorize(context);
      v1::ListComplaintsRequest r;
      r.set_parent("plants/P00");
      r.set_page_size(50);
      r.set_page_token(token);
      v1::ListComplaintsResponse out;
      grpc::Status s = v1::ComplaintService::NewStub(channel)->ListComplaints(&context, r, &out);
      if (s.ok() && out.complaints_size() != 50) return grpc::Status(grpc::INTERNAL, "short page");
      return s;
    };
  };
  return {
      {"ListComplaints first page", list("")},
      {"ListComplaints 2,000 deep", list(reads.deep_token)},
      {"GetComplaintStatistics 12 months",
       [from, to](const std::shared_ptr<grpc::Channel>& channel) {
         grpc::ClientContext context;
         Authorize(context);
         v1::GetComplaintStatisticsRequest r;
         r.set_parent("plants/P00");
         r.set_from_month(from);
         r.set_to_month(to);
         v1::GetComplaintStatisticsResponse out;
         return v1::ComplaintService::NewStub(channel)->GetComplaintStatistics(&context, r, &out);
       }},
      {"GetAuditSummary 12 months by month",
       [](const std::shared_ptr<grpc::Channel>& channel) {
         grpc::ClientContext context;
         Authorize(context);
         v1::GetAuditSummaryRequest r;
         r.set_parent("plants/P00");
         r.set_period(v1::MONTH);
         r.mutable_raised_after()->set_seconds(absl::ToUnixSeconds(absl::Now()) - kYear);
         r.mutable_raised_before()->set_seconds(absl::ToUnixSeconds(absl::Now()));
         v1::GetAuditSummaryResponse out;
         return v1::AuditFindingService::NewStub(channel)->GetAuditSummary(&context, r, &out);
       }},
  };
}

qms::bench::LoadResult Measure(const std::string& target, const Read& read) {
  return qms::bench::RunLoad(
      target, absl::GetFlag(FLAGS_callers), absl::Seconds(1),
      absl::Seconds(absl::GetFlag(FLAGS_seconds)),
      [&](int, int64_t, const std::shared_ptr<grpc::Channel>& channel) { return read(channel); });
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Time seed_start = absl::Now();
  auto small = Pool(absl::GetFlag(FLAGS_small_db));
  SeedRecent(*small);
  const int64_t small_count = Analyze(*small);
  auto large = Pool(absl::GetFlag(FLAGS_large_db));
  SeedHistory(*large, absl::GetFlag(FLAGS_large));
  SeedRecent(*large);
  const int64_t large_count = Analyze(*large);
  std::printf("seeded %lld and %lld complaints across %d plants in %.0f s\n",
              static_cast<long long>(small_count), static_cast<long long>(large_count), kPlants,
              absl::ToDoubleSeconds(absl::Now() - seed_start));

  const std::string small_target = absl::GetFlag(FLAGS_small_target);
  const std::string large_target = absl::GetFlag(FLAGS_large_target);
  const auto small_reads = ReadsOf(Prepare(small_target));
  const auto large_reads = ReadsOf(Prepare(large_target));
  nlohmann::json rows = nlohmann::json::array();
  std::printf("\n%-36s %11s %11s %11s %11s %13s %7s\n", "read (plant P00)", "small p50",
              "small p99", "large p50", "large p99", "p99 large/sm", "target");
  for (size_t i = 0; i < small_reads.size(); ++i) {
    const auto s = Measure(small_target, small_reads[i].second);
    const auto l = Measure(large_target, large_reads[i].second);
    if (s.errors > 0 || l.errors > 0) {
      std::cerr << small_reads[i].first << ": " << s.first_error << l.first_error << "\n";
      return 1;
    }
    const double ratio = s.p99_ms > 0 ? l.p99_ms / s.p99_ms : 0;
    std::printf("%-36s %9.2fms %9.2fms %9.2fms %9.2fms %13.2f %7s\n", small_reads[i].first.c_str(),
                s.p50_ms, s.p99_ms, l.p50_ms, l.p99_ms, ratio, ratio <= 2 ? "<= 2 ok" : "> 2");
    rows.push_back({{"read", small_reads[i].first},
                    {"small_p50_ms", s.p50_ms},
                    {"small_p99_ms", s.p99_ms},
                    {"large_p50_ms", l.p50_ms},
                    {"large_p99_ms", l.p99_ms},
                    {"p99_ratio", ratio}});
  }
  if (const std::string out = absl::GetFlag(FLAGS_json_out); !out.empty()) {
    std::ofstream(out) << rows.dump(2) << "\n";
  }
  return 0;
}
