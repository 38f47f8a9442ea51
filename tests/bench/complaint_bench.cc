// The complaint path against this machine's ceilings, in one run (not a test): at 1, 16 and 64
// callers, the gRPC ceiling (health Check on the same server), the database ceiling (sysbench
// oltp_insert on the same MariaDB), CreateComplaint, and a mixed load (70 % reads, 30 % creates
// and transitions). Prints a table with ratios and writes it as JSON. Run by `scripts/qms bench`.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "tests/bench/load.h"
#include "tests/bench/sysbench.h"
#include "tests/bench/write_set.h"
#include "tests/support/service_process.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "complaints gRPC address");
ABSL_FLAG(std::string, token, "", "bearer token (roles sales, quality; every plant)");
ABSL_FLAG(std::string, sysbench, "", "sysbench command prefix (connection options); empty: skip");
ABSL_FLAG(int32_t, seconds, 8, "measured seconds per phase");
ABSL_FLAG(std::string, callers, "1,16,64", "concurrency levels");
ABSL_FLAG(int32_t, plants, 1,
          "creates spread over this many plants (numbers are gap-free per plant and year, so "
          "creates of one plant serialise on its counter)");
ABSL_FLAG(std::string, metrics, "",
          "complaints /metrics address: the outbox backlog after each create phase, and the "
          "next level waits until the relay has drained it");
ABSL_FLAG(std::string, json_out, "", "write the table here as JSON");
ABSL_FLAG(int32_t, db_port, 0, "MariaDB port for the write-set ceiling; 0: skip it");
ABSL_FLAG(std::string, db_user, "", "database user (write-set ceiling)");
ABSL_FLAG(std::string, db_password, "", "database password (write-set ceiling)");
ABSL_FLAG(std::string, write_set_complaints_db, "bench_writeset_complaints",
          "the write-set ceiling's complaints schema");
ABSL_FLAG(std::string, write_set_notifications_db, "bench_writeset_notifications",
          "the write-set ceiling's notifications schema");
ABSL_FLAG(std::string, policies_file, "services/complaints/policies.json",
          "the complaints' timer policies (write-set ceiling)");
ABSL_FLAG(int32_t, create_batch_max, 32, "as the service's --create_batch_max (write set)");

namespace {

namespace v1 = qms::complaints::v1;
using qms::bench::LoadResult;

std::atomic<int64_t> unique{0};

void Authorize(grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel, v1::Complaint* out) {
  auto stub = v1::ComplaintService::NewStub(channel);
  const int64_t n = unique.fetch_add(1);
  v1::CreateComplaintRequest r;
  const int plants = std::max(1, absl::GetFlag(FLAGS_plants));
  r.set_parent(plants == 1 ? "plants/SZ1" : absl::StrCat("plants/P", n % plants));
  r.set_request_id(absl::StrCat("bench-", getpid(), "-", n));
  v1::Complaint* c = r.mutable_complaint();
  c->set_customer(absl::StrCat("CUST-", n));
  c->set_part_number(absl::StrCat("PN-", n));
  c->set_defect_code(absl::StrCat("D", n % 97));
  c->set_defect_description("burr on the housing edge");
  c->set_quantity_delivered(1000);
  c->set_quantity_defective(12);
  c->set_channel(v1::EMAIL);
  grpc::ClientContext context;
  Authorize(context);
  v1::Complaint ignored;
  return stub->CreateComplaint(&context, r, out ? out : &ignored);
}

// Samples from the complaint service's /metrics, in one scrape; -1 for each unknown one.
std::vector<double> Metrics(const std::vector<std::string>& names) {
  std::vector<double> values(names.size(), -1);
  const std::string address = absl::GetFlag(FLAGS_metrics);
  if (address.empty()) return values;
  auto text = qms::testing::HttpGet(address, "/metrics");
  if (!text.ok()) return values;
  for (size_t i = 0; i < names.size(); ++i) {
    values[i] = qms::testing::MetricSample(*text, names[i], {});
  }
  return values;
}

// Timer commands committed by creates and not yet relayed to the notification service.
double OutboxBacklog() { return Metrics({"qms_outbox_backlog"})[0]; }

// Creates and create transactions so far (group commit's batch-size histogram).
std::pair<double, double> CreateCommits() {
  const std::vector<double> v =
      Metrics({"qms_complaint_create_batch_size_sum", "qms_complaint_create_batch_size_count"});
  return {v[0], v[1]};
}

// Waits (at most two minutes) until the relay has caught up, so that the next phase's ceilings
// are not measured against its leftovers; how long that took.
double DrainSeconds() {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Minutes(2)) {
    const double backlog = OutboxBacklog();
    if (backlog <= 0) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

struct Row {
  int callers;
  LoadResult health, create, mixed;
  LoadResult write_set;  // the create's own statements straight against MariaDB
  double write_set_drain = 0;
  qms::bench::Sysbench db;
  double backlog = -1;          // outbox rows left by the create phase
  double per_transaction = -1;  // creates per create transaction in the create phase
  double drain_seconds = 0;
  double composite() const {
    return health.rate > 0 && db.tps > 0 ? 1.0 / (1.0 / health.rate + 1.0 / db.tps) : 0;
  }
  // The no-op RPC and the create's write set, one after the other.
  double write_set_composite() const {
    return health.rate > 0 && write_set.rate > 0 ? 1.0 / (1.0 / health.rate + 1.0 / write_set.rate)
                                                 : 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const absl::Duration warmup = absl::Seconds(1);

  std::unique_ptr<qms::bench::WriteSet> write_set;
  if (absl::GetFlag(FLAGS_db_port) > 0) {
    qms::bench::WriteSetOptions o;
    o.complaints.database = absl::GetFlag(FLAGS_write_set_complaints_db);
    o.notifications.database = absl::GetFlag(FLAGS_write_set_notifications_db);
    for (qms::db::DatabaseOptions* db : {&o.complaints, &o.notifications}) {
      db->port = absl::GetFlag(FLAGS_db_port);
      db->user = absl::GetFlag(FLAGS_db_user);
      db->password = absl::GetFlag(FLAGS_db_password);
      db->pool_size = 16;  // as the service's --db_pool_size in the bench
    }
    o.policies_file = absl::GetFlag(FLAGS_policies_file);
    o.create_batch_max = static_cast<size_t>(absl::GetFlag(FLAGS_create_batch_max));
    o.plants = absl::GetFlag(FLAGS_plants);
    auto opened = qms::bench::WriteSet::Open(o);
    if (!opened.ok()) {
      std::cerr << "write-set ceiling: " << opened.status() << "\n";
      return 1;
    }
    write_set = *std::move(opened);
  }

  // Complaints to read in the mixed load.
  std::vector<std::string> names;
  {
    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    for (int i = 0; i < 200; ++i) {
      v1::Complaint c;
      grpc::Status s = Create(channel, &c);
      if (!s.ok()) {
        std::cerr << "CreateComplaint: " << s.error_message() << "\n";
        return 1;
      }
      names.push_back(c.name());
    }
  }

  std::vector<Row> rows;
  for (absl::string_view level : absl::StrSplit(absl::GetFlag(FLAGS_callers), ',')) {
    Row row;
    row.callers = std::stoi(std::string(level));
    std::cerr << "callers=" << row.callers << ": health";
    row.health = qms::bench::RunHealthLoad(target, row.callers, warmup, phase);
    std::cerr << ", sysbench";
    row.db = qms::bench::RunSysbench(absl::GetFlag(FLAGS_sysbench), row.callers,
                                     absl::GetFlag(FLAGS_seconds));
    if (write_set) {
      std::cerr << ", write set";
      row.write_set = write_set->Run(row.callers, warmup, phase);
      row.write_set_drain = write_set->Drain();
    }
    std::cerr << ", create";
    const auto commits_before = CreateCommits();
    row.create = qms::bench::RunLoad(
        target, row.callers, warmup, phase,
        [](int, int64_t, const std::shared_ptr<grpc::Channel>& ch) { return Create(ch, nullptr); });
    row.backlog = OutboxBacklog();
    if (const auto commits = CreateCommits();
        commits_before.second >= 0 && commits.second > commits_before.second) {
      row.per_transaction =
          (commits.first - commits_before.first) / (commits.second - commits_before.second);
    }
    std::cerr << ", mixed";
    row.mixed = qms::bench::RunLoad(
        target, row.callers, warmup, phase,
        [&names](int caller, int64_t n, const std::shared_ptr<grpc::Channel>& ch) {
          auto stub = v1::ComplaintService::NewStub(ch);
          const int64_t pick = (caller * 7919 + n * 104729) % 100;
          grpc::ClientContext context;
          Authorize(context);
          if (pick < 55) {
            v1::GetComplaintRequest r;
            r.set_name(names[(caller + n) % names.size()]);
            v1::Complaint out;
            return stub->GetComplaint(&context, r, &out);
          }
          if (pick < 70) {
            v1::ListComplaintsRequest r;
            r.set_parent("plants/SZ1");
            r.set_page_size(20);
            v1::ListComplaintsResponse out;
            return stub->ListComplaints(&context, r, &out);
          }
          if (pick < 85) return Create(ch, nullptr);
          // A transition: create, then triage it.
          v1::Complaint c;
          grpc::Status s = Create(ch, &c);
          if (!s.ok()) return s;
          v1::TriageComplaintRequest t;
          t.set_name(c.name());
          t.mutable_triage()->set_responsible_department("Production");
          t.mutable_triage()->set_severity(v1::MAJOR);
          t.mutable_triage()->mutable_problem()->set_what("burr");
          auto* m = t.mutable_triage()->add_team();
          m->set_name("Li Si");
          m->set_department("Quality");
          grpc::ClientContext triage_context;
          Authorize(triage_context);
          return stub->TriageComplaint(&triage_context, t, &c);
        });
    std::cerr << ", drain\n";
    row.drain_seconds = DrainSeconds();
    rows.push_back(row);
  }

  std::printf(
      "\nComplaint path, one run (%s), creates over %d plant(s); rates in calls/s, "
      "latencies in ms\n",
      absl::FormatTime(absl::Now()).c_str(), absl::GetFlag(FLAGS_plants));
  std::printf(
      "%7s | %9s %6s | %9s %6s | %9s | %9s %6s %9s | %9s %6s %6s %8s %8s %7s %8s | %9s %6s | %6s "
      "%7s\n",
      "callers", "health/s", "p99", "insert/s", "p99", "composite", "wset/s", "p99", "w.compos.",
      "create/s", "p50", "p99", "÷compos.", "÷w.comp.", "per txn", "backlog", "mixed/s", "p99",
      "errors", "drain s");
  nlohmann::json json = nlohmann::json::array();
  for (const Row& r : rows) {
    const double ratio = r.composite() > 0 ? r.create.rate / r.composite() : 0;
    const double write_set_ratio =
        r.write_set_composite() > 0 ? r.create.rate / r.write_set_composite() : 0;
    std::printf(
        "%7d | %9.0f %6.2f | %9.0f %6.2f | %9.0f | %9.0f %6.2f %9.0f | %9.0f %6.2f %6.2f %8.2f "
        "%8.2f %7.1f %8s | %9.0f %6.2f | %6lld %7.1f\n",
        r.callers, r.health.rate, r.health.p99_ms, r.db.tps, r.db.p99_ms, r.composite(),
        r.write_set.rate, r.write_set.p99_ms, r.write_set_composite(), r.create.rate,
        r.create.p50_ms, r.create.p99_ms, ratio, write_set_ratio, r.per_transaction,
        r.backlog < 0 ? "-" : absl::StrCat(static_cast<int64_t>(r.backlog)).c_str(), r.mixed.rate,
        r.mixed.p99_ms, static_cast<long long>(r.create.errors + r.mixed.errors), r.drain_seconds);
    json.push_back({{"callers", r.callers},
                    {"health_rate", r.health.rate},
                    {"health_p99_ms", r.health.p99_ms},
                    {"sysbench_insert_tps", r.db.tps},
                    {"sysbench_p99_ms", r.db.p99_ms},
                    {"composite_ceiling", r.composite()},
                    {"create_rate", r.create.rate},
                    {"create_p50_ms", r.create.p50_ms},
                    {"create_p99_ms", r.create.p99_ms},
                    {"create_vs_composite", ratio},
                    {"write_set_rate", r.write_set.rate},
                    {"write_set_p99_ms", r.write_set.p99_ms},
                    {"write_set_errors", r.write_set.errors},
                    {"write_set_drain_seconds", r.write_set_drain},
                    {"write_set_composite_ceiling", r.write_set_composite()},
                    {"create_vs_write_set_composite", write_set_ratio},
                    {"creates_per_transaction", r.per_transaction},
                    {"outbox_backlog_after_create", r.backlog},
                    {"drain_seconds", r.drain_seconds},
                    {"mixed_rate", r.mixed.rate},
                    {"mixed_p99_ms", r.mixed.p99_ms},
                    {"errors", r.create.errors + r.mixed.errors},
                    {"first_error", r.create.first_error + r.mixed.first_error}});
  }
  // The targets, side by side.
  for (const Row& r : rows) {
    if (r.callers != 16) continue;
    const double p99_bound = 3 * r.health.p99_ms + r.db.p99_ms;
    std::printf(
        "\n16 callers: create %.0f/s = %.2f of the composite ceiling (target >= 0.60); "
        "p99 %.2f ms vs bound 3 x %.2f + %.2f = %.2f ms (ratio %.2f, target <= 1)\n",
        r.create.rate, r.composite() > 0 ? r.create.rate / r.composite() : 0, r.create.p99_ms,
        r.health.p99_ms, r.db.p99_ms, p99_bound, p99_bound > 0 ? r.create.p99_ms / p99_bound : 0);
    if (r.write_set_composite() > 0) {
      std::printf(
          "16 callers: create %.0f/s = %.2f of the write-set composite (the create's own "
          "statements straight against MariaDB %.0f/s, then the no-op RPC %.0f/s: %.0f/s; target "
          ">= 0.80)\n",
          r.create.rate, r.create.rate / r.write_set_composite(), r.write_set.rate, r.health.rate,
          r.write_set_composite());
    }
    for (const Row& r64 : rows) {
      if (r64.callers == 64 && r.create.rate > 0) {
        std::printf(
            "64 vs 16 callers: create %.0f/s = %.2f of the 16-caller figure (target >= 0.90)\n",
            r64.create.rate, r64.create.rate / r.create.rate);
      }
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_json_out); !path.empty()) {
    std::ofstream(path)
        << nlohmann::json{{"time", absl::FormatTime(absl::Now())}, {"rows", json}}.dump(2) << "\n";
  }
  return 0;
}
