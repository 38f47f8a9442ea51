// The notification service's Prometheus metrics: open timers, stages fired (warnings, breaches,
// escalations), fire lag, response times, deliveries. Each replica exports its own counters;
// sum them across replicas. qms_timers_open is the same database count on every replica: take
// max() of it, not sum().
#ifndef QMS_SERVICES_NOTIFICATIONS_METRICS_H_
#define QMS_SERVICES_NOTIFICATIONS_METRICS_H_

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/timer_store.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace qms::notifications {

std::string KindName(StageKind kind);      // "warning", "breach", "escalation"
std::string ChannelName(Channel channel);  // "webhook", "email"

class NotificationMetrics {
 public:
  // `key_customers` are named in qms_timer_breaches_total's customer label; any other customer
  // counts as "other", so the label stays bounded (Prometheus: no free text in labels).
  explicit NotificationMetrics(prometheus::Registry& registry,
                               std::set<std::string> key_customers = {});

  void Fired(const Event& event);
  void Responded(const std::string& plant, const std::string& policy, const std::string& deadline,
                 absl::Duration time);
  // result: "delivered", "retry", "dead"
  void Delivery(Channel channel, const std::string& result);
  void SetOpen(const std::vector<OpenTimerCount>& counts);
  void SetDueUnfired(int64_t stages);
  // Recounts qms_timers_open and qms_timer_stages_due_unfired (due over 30 s ago) from `store`.
  void Refresh(TimerStore& store);

 private:
  prometheus::Family<prometheus::Counter>& fired_;
  prometheus::Family<prometheus::Counter>& warnings_;
  prometheus::Family<prometheus::Counter>& breaches_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Family<prometheus::Histogram>& lag_;
  prometheus::Family<prometheus::Histogram>& response_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Gauge>& open_;
  const std::set<std::string> key_customers_;
  prometheus::Histogram* lag_all_;
  prometheus::Gauge* due_unfired_;
  absl::Mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, prometheus::Gauge*> open_gauges_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_METRICS_H_
