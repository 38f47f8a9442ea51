// The timer engine benchmark (not a test): arms many timers through BatchArmTimers, lets a large
// share fall due at one instant, then a trickle that does not saturate it, and compares the
// figures with sysbench oltp_insert on the same MariaDB in the same run. Run by
// `scripts/qms bench`, which starts MariaDB and the service.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/db/connection_pool.h"
#include "common/db/transaction.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/bench/sysbench.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052", "notifications gRPC address");
ABSL_FLAG(int32_t, db_port, 3306, "MariaDB port (to read the firings)");
ABSL_FLAG(std::string, db_user, "", "database user");
ABSL_FLAG(std::string, db_password, "", "database password");
ABSL_FLAG(std::string, db_name, "qms_notifications", "the service's database");
ABSL_FLAG(int32_t, timers, 1000000, "timers armed in total");
ABSL_FLAG(int32_t, due, 100000, "of which due at one instant");
ABSL_FLAG(int32_t, trickle, 2000, "timers due one after another, 5 ms apart (unsaturated lag)");
ABSL_FLAG(int32_t, clients, 4, "concurrent BatchArmTimers callers");
ABSL_FLAG(std::string, sysbench, "", "sysbench command prefix (connection options); empty: skip");
ABSL_FLAG(std::string, token, "", "bearer token (role service or admin)");
ABSL_FLAG(std::string, json_out, "", "write the figures here as JSON");

namespace {

namespace v1 = qms::notifications::v1;
constexpr int kBatch = 1000;

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles Of(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.p50 = v[v.size() / 2];
  p.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  p.max = v.back();
  return p;
}

// Arms `count` timers of `policy` in batches from several clients; `fill(r, i)` sets times.
double Arm(const std::string& policy, int count, const std::string& tag,
           const std::function<void(v1::ArmTimerRequest&, int)>& fill,
           const std::string& plant = "SZ1") {
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  auto stub = v1::TimerService::NewStub(channel);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const absl::Time start = absl::Now();
  std::vector<std::thread> clients;
  for (int c = 0; c < absl::GetFlag(FLAGS_clients); ++c) {
    clients.emplace_back([&] {
      for (;;) {
        const int first = next.fetch_add(kBatch);
        if (first >= count || failed) return;
        v1::BatchArmTimersRequest batch;
        for (int i = first; i < std::min(count, first + kBatch); ++i) {
          v1::ArmTimerRequest* r = batch.add_requests();
          r->set_plant(plant);
          r->set_subject(absl::StrCat("plants/", plant, "/bench/", tag, "-", i));
          r->set_policy(policy);
          fill(*r, i);
        }
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
        v1::BatchArmTimersResponse response;
        grpc::Status s = stub->BatchArmTimers(&context, batch, &response);
        if (!s.ok()) {
          std::cerr << "BatchArmTimers: " << s.error_message() << "\n";
          failed = true;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  if (failed) std::exit(1);
  return count / absl::ToDoubleSeconds(absl::Now() - start);
}

int64_t Count(qms::db::ConnectionPool& pool, const std::string& policy) {
  int64_t n = 0;
  absl::Status st = qms::db::RunOnConnection(pool, [&](qms::db::Connection& conn) {
    auto& ps = conn.Prepare(
        "SELECT COUNT(*) FROM firings f JOIN timers t ON t.id = f.timer_id WHERE t.policy = ?");
    ps.setString(1, policy);
    std::unique_ptr<sql::ResultSet> rs(ps.executeQuery());
    rs->next();
    n = rs->getInt64(1);
    return absl::OkStatus();
  });
  if (!st.ok()) std::cerr << st << "\n";
  return n;
}

struct Firing {
  double lag_s;
  double fire_s;  // fire time, seconds since the epoch
};

std::vector<Firing> Firings(qms::db::ConnectionPool& pool, const std::string& policy) {
  std::vector<Firing> out;
  absl::Status st = qms::db::RunOnConnection(pool, [&](qms::db::Connection& conn) {
    auto& ps = conn.Prepare(
        "SELECT TIMESTAMPDIFF(MICROSECOND, f.due_time, f.fire_time), "
        "UNIX_TIMESTAMP(f.fire_time) FROM firings f JOIN timers t ON t.id = f.timer_id "
        "WHERE t.policy = ?");
    ps.setString(1, policy);
    std::unique_ptr<sql::ResultSet> rs(ps.executeQuery());
    while (rs->next()) out.push_back({rs->getInt64(1) / 1e6, std::stod(rs->getString(2))});
    return absl::OkStatus();
  });
  if (!st.ok()) std::cerr << st << "\n";
  return out;
}

bool WaitFired(qms::db::ConnectionPool& pool, const std::string& policy, int64_t count,
               absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (Count(pool, policy) >= count) return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return false;
}

// Milliseconds per ListTimers call of `page_size` timers of SZ1 (the p50 of `calls` calls).
double ListMillis(int page_size, int calls) {
  auto stub = v1::TimerService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()));
  std::vector<double> ms;
  std::string token;
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
    v1::ListTimersRequest r;
    r.set_plant("SZ1");
    r.set_page_size(page_size);
    r.set_page_token(token);
    v1::ListTimersResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status s = stub->ListTimers(&context, r, &response);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!s.ok()) {
      std::cerr << "ListTimers: " << s.error_message() << "\n";
      std::exit(1);
    }
    token = response.next_page_token();
  }
  return Of(ms).p50;
}

// ArmTimer latencies (ms) of single arms in `plant`, one after another, until `stop`.
std::vector<double> ArmOneByOne(const std::string& plant, const std::atomic<bool>& stop) {
  auto stub = v1::TimerService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()));
  std::vector<double> ms;
  for (int i = 0; !stop; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
    v1::ArmTimerRequest r;
    r.set_plant(plant);
    r.set_subject(
        absl::StrCat("plants/", plant, "/bench/single-", absl::ToUnixNanos(absl::Now()), "-", i));
    r.set_policy("bench.working");
    v1::Timer t;
    const absl::Time start = absl::Now();
    const grpc::Status s = stub->ArmTimer(&context, r, &t);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!s.ok()) {
      std::cerr << "ArmTimer: " << s.error_message() << "\n";
      std::exit(1);
    }
  }
  return ms;
}

// A calendar change in `plant` (every weekday 08:00-17:00, and `holiday`): its seconds.
double ChangeCalendar(const std::string& plant, const std::string& holiday) {
  auto stub = v1::CalendarService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()));
  v1::SetCalendarRequest r;
  v1::Calendar* c = r.mutable_calendar();
  c->set_plant(plant);
  c->set_time_zone("UTC");
  for (int day = 1; day <= 5; ++day) {
    auto* w = c->add_week();
    w->set_weekday(day);
    auto* window = w->add_windows();
    window->set_start("08:00");
    window->set_end("17:00");
  }
  c->add_holidays(holiday);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  v1::Calendar stored;
  const absl::Time start = absl::Now();
  const grpc::Status s = stub->SetCalendar(&context, r, &stored);
  if (!s.ok()) {
    std::cerr << "SetCalendar: " << s.error_message() << "\n";
    std::exit(1);
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  qms::db::DatabaseOptions db;
  db.port = absl::GetFlag(FLAGS_db_port);
  db.user = absl::GetFlag(FLAGS_db_user);
  db.password = absl::GetFlag(FLAGS_db_password);
  db.database = absl::GetFlag(FLAGS_db_name);
  db.pool_size = 2;
  qms::db::ConnectionPool pool(db);
  const int total = absl::GetFlag(FLAGS_timers);
  const int due = std::min(absl::GetFlag(FLAGS_due), total);
  const int trickle = absl::GetFlag(FLAGS_trickle);

  // 1. Arm the timers that stay pending, then the ones that fall due at one instant.
  const absl::Time arm_start = absl::Now();
  const double far_rate = Arm("bench.far", total - due, "far", [](v1::ArmTimerRequest&, int) {});
  // All due 60 s after one common start: the start is set so that arming ends first.
  const absl::Time due_start = absl::Now() - absl::Seconds(60) + absl::Seconds(5) +
                               absl::Seconds(due / std::max(1000.0, far_rate));
  const double due_rate = Arm("bench.due", due, "due", [&](v1::ArmTimerRequest& r, int) {
    r.mutable_start_time()->set_seconds(absl::ToUnixSeconds(due_start));
  });
  const double arm_rate = total / absl::ToDoubleSeconds(absl::Now() - arm_start);
  const absl::Time due_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(due_start)) + absl::Seconds(60);
  std::cerr << absl::StrFormat(
      "armed %d timers at %.0f/s (far %.0f/s, due %.0f/s); %d due in %.1f s\n", total, arm_rate,
      far_rate, due_rate, due, absl::ToDoubleSeconds(due_at - absl::Now()));
  if (!WaitFired(pool, "bench.due", due, absl::Seconds(60) + (due_at - absl::Now()))) {
    std::cerr << "the due timers did not all fire within a minute\n";
    return 1;
  }
  const std::vector<Firing> burst = Firings(pool, "bench.due");
  double last = 0;
  std::vector<double> burst_lag;
  for (const Firing& f : burst) {
    last = std::max(last, f.fire_s);
    burst_lag.push_back(f.lag_s);
  }
  const double burst_seconds = last - absl::ToDoubleSeconds(due_at - absl::UnixEpoch());
  const double fire_rate = due / std::max(burst_seconds, 1e-3);
  const Percentiles burst_p = Of(burst_lag);

  // 2. Unsaturated: one stage due every 5 ms.
  const absl::Time trickle_start = absl::Now() + absl::Seconds(3);
  Arm("bench.trickle", trickle, "trickle", [&](v1::ArmTimerRequest& r, int i) {
    const absl::Time t = trickle_start + absl::Milliseconds(5) * i;
    r.mutable_due_time()->set_seconds(absl::ToUnixSeconds(t));
    r.mutable_due_time()->set_nanos(static_cast<int32_t>(
        (t - absl::FromUnixSeconds(absl::ToUnixSeconds(t))) / absl::Nanoseconds(1)));
  });
  WaitFired(pool, "bench.trickle", trickle, absl::Seconds(60) + absl::Milliseconds(5) * trickle);
  std::vector<double> trickle_lag;
  for (const Firing& f : Firings(pool, "bench.trickle")) trickle_lag.push_back(f.lag_s);
  const Percentiles trickle_p = Of(trickle_lag);

  // 3. Lists over the million timers: a page of 500 against ten pages of 50 (the stages of a
  // page are read in one query, so the cost per timer should not grow with the page).
  const double list50 = ListMillis(50, 40);
  const double list500 = ListMillis(500, 20);

  // 4. A calendar change under 10,000 open timers of one plant: how long the recompute takes,
  // and what single arms in that plant wait meanwhile against the same arms before it.
  constexpr int kOpen = 10000;
  Arm(
      "bench.working", kOpen, "working", [](v1::ArmTimerRequest&, int) {}, "SZ2");
  std::atomic<bool> stop{false};
  std::vector<double> idle_ms;
  {
    std::thread arms([&] { idle_ms = ArmOneByOne("SZ2", stop); });
    absl::SleepFor(absl::Seconds(3));
    stop = true;
    arms.join();
  }
  stop = false;
  std::vector<double> during_ms;
  std::thread arms([&] { during_ms = ArmOneByOne("SZ2", stop); });
  const std::string holiday =
      absl::FormatCivilTime(absl::CivilDay(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone())) + 1);
  const double recompute_s = ChangeCalendar("SZ2", holiday);
  stop = true;
  arms.join();
  const Percentiles idle_p = Of(idle_ms);
  const Percentiles during_p = Of(during_ms);

  // 5. The database ceiling on the same server.
  const qms::bench::Sysbench sb = qms::bench::RunSysbench(absl::GetFlag(FLAGS_sysbench), 16, 10);

  std::printf("\nTimer engine, one run (%s)\n", absl::FormatTime(absl::Now()).c_str());
  std::printf("%-44s %14s %14s %10s\n", "what", "figure", "compared with", "ratio");
  const auto row = [](const char* what, double figure, double ceiling, const char* unit) {
    std::printf("%-44s %11.0f %-2s %11.0f %-2s %9.2f\n", what, figure, unit, ceiling, unit,
                ceiling > 0 ? figure / ceiling : 0.0);
  };
  row("arm rate, timers/s (BatchArmTimers)", arm_rate, sb.tps, "/s");
  row("firing rate, stages/s (burst)", fire_rate, sb.tps, "/s");
  row("firing rate vs target 10,000/s", fire_rate, 10000, "/s");
  std::printf("%-44s %11.3f s\n", "burst lag p50 (saturated: drains the burst)", burst_p.p50);
  std::printf("%-44s %11.3f s\n", "burst lag p99", burst_p.p99);
  std::printf("%-44s %11.4f s  %11.3f s  %9.4f\n", "unsaturated lag p99 vs target 1 s",
              trickle_p.p99, 1.0, trickle_p.p99 / 1.0);
  std::printf("%-44s %11.4f s  (max %.4f s)\n", "unsaturated lag p50", trickle_p.p50,
              trickle_p.max);
  std::printf("%-44s %11.1f ms %11.1f ms %9.2f\n", "ListTimers p50, 500 a page vs 10 x 50 a page",
              list500, 10 * list50, list500 / (10 * list50));
  std::printf("%-44s %11.2f s  (%d open timers, 3 stages each)\n", "calendar change: recompute",
              recompute_s, kOpen);
  std::printf("%-44s %11.1f ms %11.1f ms %9.2f\n", "ArmTimer p99 there during it vs idle",
              during_p.p99, idle_p.p99, idle_p.p99 > 0 ? during_p.p99 / idle_p.p99 : 0.0);
  std::printf("%-44s %11.0f /s p99 %.1f ms\n", "sysbench oltp_insert, 16 threads", sb.tps,
              sb.p99_ms);
  std::printf("(%d timers armed, %d due at once over %.2f s, %d in the trickle)\n", total, due,
              burst_seconds, trickle);

  if (const std::string path = absl::GetFlag(FLAGS_json_out); !path.empty()) {
    nlohmann::json j = {{"time", absl::FormatTime(absl::Now())},
                        {"timers", total},
                        {"due_at_once", due},
                        {"arm_rate_per_s", arm_rate},
                        {"fire_rate_per_s", fire_rate},
                        {"burst_lag_p50_s", burst_p.p50},
                        {"burst_lag_p99_s", burst_p.p99},
                        {"trickle_lag_p50_s", trickle_p.p50},
                        {"trickle_lag_p99_s", trickle_p.p99},
                        {"list_timers_50_p50_ms", list50},
                        {"list_timers_500_p50_ms", list500},
                        {"calendar_recompute_s", recompute_s},
                        {"arm_p99_during_recompute_ms", during_p.p99},
                        {"arm_p99_idle_ms", idle_p.p99},
                        {"sysbench_insert_tps", sb.tps},
                        {"sysbench_insert_p99_ms", sb.p99_ms}};
    std::ofstream(path) << j.dump(2) << "\n";
  }
  return 0;
}
