#include "services/notifications/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace qms::notifications {

std::string KindName(StageKind kind) {
  switch (kind) {
    case StageKind::kWarning:
      return "warning";
    case StageKind::kBreach:
      return "breach";
    case StageKind::kEscalation:
      return "escalation";
  }
  return "unknown";
}

std::string ChannelName(Channel channel) {
  return channel == Channel::kEmail ? "email" : "webhook";
}

namespace {

std::string StateName(TimerState state) {
  return state == TimerState::kPaused ? "paused" : "armed";
}

}  // namespace

NotificationMetrics::NotificationMetrics(prometheus::Registry& registry,
                                         std::set<std::string> key_customers)
    : fired_(
          prometheus::BuildCounter()
              .Name("qms_timer_stages_fired_total")
              .Help("Timer stages fired, by plant, policy and kind (warning, breach, escalation)")
              .Register(registry)),
      warnings_(prometheus::BuildCounter()
                    .Name("qms_timer_warnings_total")
                    .Help("Warnings fired before a deadline, by plant and policy")
                    .Register(registry)),
      breaches_(prometheus::BuildCounter()
                    .Name("qms_timer_breaches_total")
                    .Help("Deadlines breached, by plant, policy, deadline and customer (a key "
                          "customer of --metric_customers, else \"other\")")
                    .Register(registry)),
      escalations_(prometheus::BuildCounter()
                       .Name("qms_timer_escalations_total")
                       .Help("Escalations fired after a breach, by plant, policy and level")
                       .Register(registry)),
      lag_(prometheus::BuildHistogram()
               .Name("qms_timer_fire_lag_seconds")
               .Help("Time from a stage's due time to its firing")
               .Register(registry)),
      response_(
          prometheus::BuildHistogram()
              .Name("qms_timer_response_seconds")
              .Help("Time from a timer's start to the disarm of a deadline, by plant and policy")
              .Register(registry)),
      deliveries_(
          prometheus::BuildCounter()
              .Name("qms_deliveries_total")
              .Help("Delivery attempts by channel and result (delivered, retry, dead, lease_lost)")
              .Register(registry)),
      open_(prometheus::BuildGauge()
                .Name("qms_timers_open")
                .Help("Open timers by plant, policy and state (same on every replica: use max)")
                .Register(registry)),
      key_customers_(std::move(key_customers)),
      lag_all_(&lag_.Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                                     2, 5, 10, 30, 60, 300})),
      due_unfired_(&prometheus::BuildGauge()
                        .Name("qms_timer_stages_due_unfired")
                        .Help("Stages due more than 30 s ago and not fired (same on every "
                              "replica: use max)")
                        .Register(registry)
                        .Add({})) {}

void NotificationMetrics::SetDueUnfired(int64_t stages) {
  due_unfired_->Set(static_cast<double>(stages));
}

void NotificationMetrics::Fired(const Event& e) {
  const std::string kind = KindName(e.kind);
  fired_.Add({{"plant", e.plant}, {"policy", e.policy}, {"kind", kind}}).Increment();
  switch (e.kind) {
    case StageKind::kWarning:
      warnings_.Add({{"plant", e.plant}, {"policy", e.policy}}).Increment();
      break;
    case StageKind::kBreach:
      breaches_
          .Add({{"plant", e.plant},
                {"policy", e.policy},
                {"deadline", e.deadline},
                {"customer", e.customer.empty() || key_customers_.count(e.customer) > 0 ? e.customer
                                                                                        : "other"}})
          .Increment();
      break;
    case StageKind::kEscalation:
      escalations_
          .Add({{"plant", e.plant}, {"policy", e.policy}, {"level", std::to_string(e.level)}})
          .Increment();
      break;
  }
  lag_all_->Observe(absl::ToDoubleSeconds(e.fire_time - e.due));
}

void NotificationMetrics::Responded(const std::string& plant, const std::string& policy,
                                    const std::string& deadline, absl::Duration time) {
  response_
      .Add({{"plant", plant}, {"policy", policy}, {"deadline", deadline}},
           prometheus::Histogram::BucketBoundaries{60, 600, 3600, 4 * 3600, 8 * 3600, 24 * 3600,
                                                   48 * 3600, 72 * 3600, 120 * 3600, 240 * 3600})
      .Observe(absl::ToDoubleSeconds(time));
}

void NotificationMetrics::Delivery(Channel channel, const std::string& result) {
  deliveries_.Add({{"channel", ChannelName(channel)}, {"result", result}}).Increment();
}

void NotificationMetrics::SetOpen(const std::vector<OpenTimerCount>& counts) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, gauge] : open_gauges_) gauge->Set(0);
  for (const OpenTimerCount& c : counts) {
    const auto key = std::make_tuple(c.plant, c.policy, StateName(c.state));
    prometheus::Gauge*& gauge = open_gauges_[key];
    if (gauge == nullptr) {
      gauge = &open_.Add({{"plant", c.plant}, {"policy", c.policy}, {"state", StateName(c.state)}});
    }
    gauge->Set(static_cast<double>(c.count));
  }
}

void NotificationMetrics::Refresh(TimerStore& store) {
  if (auto counts = store.CountOpen(); counts.ok()) SetOpen(*counts);
  if (auto late = store.CountDueUnfired(absl::Seconds(30)); late.ok()) SetDueUnfired(*late);
}

}  // namespace qms::notifications
