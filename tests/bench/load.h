// A closed-loop load generator for gRPC benchmarks: N callers, each issuing its next call as soon
// as the previous one answered, for a fixed time; throughput and latency percentiles out.
// Reusable for every service's benchmark.
#ifndef QMS_TESTS_BENCH_LOAD_H_
#define QMS_TESTS_BENCH_LOAD_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace qms::bench {

struct LoadResult {
  int callers = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  double seconds = 0;
  double rate = 0;  // OK calls per second
  double p50_ms = 0;
  double p99_ms = 0;
  std::string first_error;
};

// `call(caller, n)`: the n-th call of `caller`; "" when it succeeded, else what failed.
using LocalCall = std::function<std::string(int caller, int64_t n)>;

// Runs `callers` threads, each calling again as soon as its call returned, for `duration` after
// a warm-up of `warmup` (not counted): the loop of every load, whatever the calls go through.
LoadResult RunClosedLoop(int callers, absl::Duration warmup, absl::Duration duration,
                         const LocalCall& call);

// `call(caller, n, channel)`: the n-th call of `caller` on a channel of the pool.
using Call =
    std::function<grpc::Status(int caller, int64_t n, const std::shared_ptr<grpc::Channel>&)>;

// Runs `callers` threads for `duration` after a warm-up of `warmup` (not counted), spreading them
// over `channels` connections to `target`.
LoadResult RunLoad(const std::string& target, int callers, absl::Duration warmup,
                   absl::Duration duration, const Call& call, int channels = 4);

// The gRPC ceiling of `target`: RunLoad of health Check calls (the same server, no work behind).
LoadResult RunHealthLoad(const std::string& target, int callers, absl::Duration warmup,
                         absl::Duration duration);

}  // namespace qms::bench

#endif  // QMS_TESTS_BENCH_LOAD_H_
