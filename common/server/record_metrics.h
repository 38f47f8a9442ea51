// The metrics every service keeps of its own records, named for no service: how many are open
// per plant and state, how many have a deadline passed, and how often each step is taken. One
// family each, with a `record` label ("return", "sample" ...), so that one dashboard row and one
// alert serve every service.
//
//   qms_records_open{record, plant, state}   gauge, refreshed from the database
//   qms_records_overdue{record, plant}       gauge, refreshed from the database
//   qms_record_steps_total{record, step}     counter, counted as steps commit
//
// Labels stay bounded: plants come from the plants file, states and steps from the domain.
#ifndef QMS_COMMON_SERVER_RECORD_METRICS_H_
#define QMS_COMMON_SERVER_RECORD_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace qms::server {

struct RecordCounts {
  struct Open {
    std::string plant;
    std::string state;
    int64_t count = 0;
  };
  std::vector<Open> open;
  std::vector<std::pair<std::string, int64_t>> overdue;  // plant -> records with a passed deadline
};

class RecordMetrics {
 public:
  RecordMetrics(prometheus::Registry& registry, std::string record);

  void CountStep(const std::string& step);
  // Replaces the gauges with `counts`; a plant and state no longer counted reads 0.
  void Set(const RecordCounts& counts);

 private:
  const std::string record_;
  prometheus::Family<prometheus::Gauge>& open_;
  prometheus::Family<prometheus::Gauge>& overdue_;
  prometheus::Family<prometheus::Counter>& steps_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> open_gauges_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, prometheus::Gauge*> overdue_gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, prometheus::Counter*> step_counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_RECORD_METRICS_H_
