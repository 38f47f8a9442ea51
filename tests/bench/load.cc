#include "tests/bench/load.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace qms::bench {

LoadResult RunClosedLoop(int callers, absl::Duration warmup, absl::Duration duration,
                         const LocalCall& call) {
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + warmup;
  const absl::Time end = measure_from + duration;
  absl::Mutex mu;
  std::vector<double> latencies;
  LoadResult out;
  out.callers = callers;
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      int64_t ok = 0, errors = 0;
      std::string error;
      for (int64_t n = 0;; ++n) {
        const absl::Time t0 = absl::Now();
        if (t0 >= end) break;
        const std::string failed = call(c, n);
        const absl::Time t1 = absl::Now();
        if (t0 < measure_from) continue;
        if (failed.empty()) {
          ++ok;
          mine.push_back(absl::ToDoubleMilliseconds(t1 - t0));
        } else {
          ++errors;
          if (error.empty()) error = failed;
        }
      }
      absl::MutexLock lock(&mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      out.ok += ok;
      out.errors += errors;
      if (out.first_error.empty()) out.first_error = error;
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = absl::ToDoubleSeconds(duration);
  out.rate = out.ok / out.seconds;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    out.p50_ms = latencies[latencies.size() / 2];
    out.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  return out;
}

LoadResult RunLoad(const std::string& target, int callers, absl::Duration warmup,
                   absl::Duration duration, const Call& call, int channels) {
  std::vector<std::shared_ptr<grpc::Channel>> pool;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("qms.bench.channel", i);  // distinct arguments: distinct connections
    pool.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return RunClosedLoop(callers, warmup, duration, [&](int caller, int64_t n) -> std::string {
    const grpc::Status s = call(caller, n, pool[caller % pool.size()]);
    return s.ok() ? "" : s.error_message();
  });
}

LoadResult RunHealthLoad(const std::string& target, int callers, absl::Duration warmup,
                         absl::Duration duration) {
  return RunLoad(target, callers, warmup, duration,
                 [](int, int64_t, const std::shared_ptr<grpc::Channel>& channel) {
                   grpc::ClientContext context;
                   grpc::health::v1::HealthCheckRequest request;
                   grpc::health::v1::HealthCheckResponse response;
                   return grpc::health::v1::Health::NewStub(channel)->Check(&context, request,
                                                                            &response);
                 });
}

}  // namespace qms::bench
