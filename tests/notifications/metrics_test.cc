// The notification service's metrics as Prometheus would scrape them: label values bounded.
#include "services/notifications/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <set>

namespace qms::notifications {
namespace {

std::set<std::string> CustomerLabels(prometheus::Registry& registry) {
  std::set<std::string> out;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "qms_timer_breaches_total") continue;
    for (const prometheus::ClientMetric& m : family.metric) {
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.name == "customer") out.insert(l.value);
      }
    }
  }
  return out;
}

Event Breach(const std::string& customer) {
  Event e;
  e.plant = "SZ1";
  e.policy = "complaint.containment";
  e.deadline = "containment";
  e.kind = StageKind::kBreach;
  e.customer = customer;
  return e;
}

// The customer is free text from the arming service: only the configured key customers become
// label values, every other one is "other", however many there are.
TEST(NotificationMetrics, TheBreachCustomerLabelHoldsKeyCustomersAndOther) {
  prometheus::Registry registry;
  NotificationMetrics metrics(registry, {"ACME", "BOSCH"});
  metrics.Fired(Breach("ACME"));
  for (int i = 0; i < 100; ++i) metrics.Fired(Breach("customer-" + std::to_string(i)));
  metrics.Fired(Breach(""));
  EXPECT_EQ(CustomerLabels(registry), (std::set<std::string>{"ACME", "other", ""}));
}

}  // namespace
}  // namespace qms::notifications
