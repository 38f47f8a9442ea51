// The returns' main writes against this machine's ceilings, in one run (not a test): at 1, 16
// and 64 callers, the gRPC ceiling (health Check on the same server), the database ceiling
// (sysbench oltp_insert on the same MariaDB), CreateReturn (bulk: no call to complaints) and
// RecordReceipt (a warehouse booking onto returns already registered, a few receipts each).
// Prints a table with ratios and writes it as JSON. Run by `scripts/qms bench returns`.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "qms/returns/v1/returns.grpc.pb.h"
#include "tests/bench/load.h"
#include "tests/bench/sysbench.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50053", "returns gRPC address");
ABSL_FLAG(std::string, token, "", "bearer token (roles sales, warehouse; every plant)");
ABSL_FLAG(std::string, sysbench, "", "sysbench command prefix (connection options); empty: skip");
ABSL_FLAG(int32_t, seconds, 8, "measured seconds per phase");
ABSL_FLAG(std::string, callers, "1,16,64", "concurrency levels");
ABSL_FLAG(int32_t, returns, 3000, "returns registered first, for the receipts to book onto");
ABSL_FLAG(std::string, json_out, "", "write the table here as JSON");

namespace {

namespace v1 = qms::returns::v1;
using qms::bench::LoadResult;

std::atomic<int64_t> unique{0};

void Authorize(grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel, v1::Return* out) {
  const int64_t n = unique.fetch_add(1);
  v1::CreateReturnRequest r;
  r.set_parent("plants/SZ1");
  r.set_request_id(absl::StrCat("bench-", getpid(), "-", n));
  r.mutable_return_()->set_customer(absl::StrCat("CUST-", n % 50));
  r.mutable_return_()->set_bulk(true);
  for (int i = 0; i < 3; ++i) {
    v1::ReturnLine* l = r.mutable_return_()->add_lines();
    l->set_part_number(absl::StrCat("PN-", (n + i) % 400));
    l->add_lots(absl::StrCat("LOT-", n, "-", i));
    l->set_order_number(absl::StrCat("SO-", n));
    l->set_announced_quantity(1000);
    l->set_reason_code("SEASONAL");
  }
  grpc::ClientContext context;
  Authorize(context);
  v1::Return ignored;
  return v1::ReturnService::NewStub(channel)->CreateReturn(&context, r, out ? out : &ignored);
}

struct Row {
  int callers;
  LoadResult health, create, receipt;
  qms::bench::Sysbench db;
  double composite() const {
    return health.rate > 0 && db.tps > 0 ? 1.0 / (1.0 / health.rate + 1.0 / db.tps) : 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const absl::Duration warmup = absl::Seconds(1);

  // The returns the receipts book onto, registered by 16 callers.
  std::vector<std::string> names(static_cast<size_t>(absl::GetFlag(FLAGS_returns)));
  std::atomic<size_t> next{0};
  std::string first_error;
  {
    std::vector<std::thread> threads;
    std::mutex mu;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
        for (size_t i = next.fetch_add(1); i < names.size(); i = next.fetch_add(1)) {
          v1::Return r;
          if (grpc::Status s = Create(channel, &r); !s.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            first_error = s.error_message();
            return;
          }
          names[i] = r.name();
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  if (!first_error.empty()) {
    std::cerr << "registering the returns failed: " << first_error << "\n";
    return 1;
  }
  std::atomic<int64_t> receipts{0};

  std::vector<Row> rows;
  for (absl::string_view level : absl::StrSplit(absl::GetFlag(FLAGS_callers), ',')) {
    Row row;
    row.callers = std::stoi(std::string(level));
    std::cerr << "callers=" << row.callers << ": health";
    row.health = qms::bench::RunHealthLoad(target, row.callers, warmup, phase);
    std::cerr << ", sysbench";
    row.db = qms::bench::RunSysbench(absl::GetFlag(FLAGS_sysbench), row.callers,
                                     absl::GetFlag(FLAGS_seconds));
    std::cerr << ", create";
    row.create = qms::bench::RunLoad(
        target, row.callers, warmup, phase,
        [](int, int64_t, const std::shared_ptr<grpc::Channel>& ch) { return Create(ch, nullptr); });
    std::cerr << ", receipt\n";
    row.receipt = qms::bench::RunLoad(
        target, row.callers, warmup, phase,
        [&](int, int64_t, const std::shared_ptr<grpc::Channel>& ch) {
          // Consecutive receipts go to different returns; each return is revisited only after
          // every other one, so callers rarely wait for one another's row.
          const int64_t k = receipts.fetch_add(1);
          v1::RecordReceiptRequest r;
          r.set_name(names[static_cast<size_t>(k) % names.size()]);
          r.mutable_receipt()->set_receipt_number(absl::StrCat("WH-", k));
          v1::ReceiptLine* l = r.mutable_receipt()->add_lines();
          l->set_line(static_cast<int>(k % 3) + 1);
          l->set_quantity(10);
          grpc::ClientContext context;
          Authorize(context);
          v1::Return out;
          return v1::ReturnService::NewStub(ch)->RecordReceipt(&context, r, &out);
        });
    rows.push_back(row);
  }

  std::printf("\nReturns, one run (%s); rates in calls/s, latencies in ms\n",
              absl::FormatTime(absl::Now()).c_str());
  std::printf("%7s | %9s %6s | %9s %6s | %9s | %9s %6s %8s | %9s %6s %8s | %6s\n", "callers",
              "health/s", "p99", "insert/s", "p99", "composite", "create/s", "p99", "÷compos.",
              "receipt/s", "p99", "÷compos.", "errors");
  nlohmann::json json = nlohmann::json::array();
  for (const Row& r : rows) {
    const double c = r.composite();
    std::printf(
        "%7d | %9.0f %6.2f | %9.0f %6.2f | %9.0f | %9.0f %6.2f %8.2f | %9.0f %6.2f %8.2f "
        "| %6lld\n",
        r.callers, r.health.rate, r.health.p99_ms, r.db.tps, r.db.p99_ms, c, r.create.rate,
        r.create.p99_ms, c > 0 ? r.create.rate / c : 0, r.receipt.rate, r.receipt.p99_ms,
        c > 0 ? r.receipt.rate / c : 0, static_cast<long long>(r.create.errors + r.receipt.errors));
    json.push_back({{"callers", r.callers},
                    {"health_rate", r.health.rate},
                    {"health_p99_ms", r.health.p99_ms},
                    {"sysbench_insert_tps", r.db.tps},
                    {"sysbench_p99_ms", r.db.p99_ms},
                    {"composite_ceiling", c},
                    {"create_rate", r.create.rate},
                    {"create_p99_ms", r.create.p99_ms},
                    {"create_vs_composite", c > 0 ? r.create.rate / c : 0},
                    {"receipt_rate", r.receipt.rate},
                    {"receipt_p99_ms", r.receipt.p99_ms},
                    {"receipt_vs_composite", c > 0 ? r.receipt.rate / c : 0},
                    {"errors", r.create.errors + r.receipt.errors},
                    {"first_error", r.create.first_error + r.receipt.first_error}});
  }
  for (const Row& r : rows) {
    if (r.callers != 16) continue;
    const double p99_bound = 3 * r.health.p99_ms + r.db.p99_ms;
    std::printf(
        "\n16 callers: receipt %.0f/s = %.2f of the composite ceiling, create %.2f; receipt p99 "
        "%.2f ms vs bound 3 x %.2f + %.2f = %.2f ms (ratio %.2f)\n",
        r.receipt.rate, r.composite() > 0 ? r.receipt.rate / r.composite() : 0,
        r.composite() > 0 ? r.create.rate / r.composite() : 0, r.receipt.p99_ms, r.health.p99_ms,
        r.db.p99_ms, p99_bound, p99_bound > 0 ? r.receipt.p99_ms / p99_bound : 0);
  }
  if (const std::string out = absl::GetFlag(FLAGS_json_out); !out.empty()) {
    std::ofstream(out) << json.dump(2) << "\n";
  }
  return 0;
}
