#include "common/server/record_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace qms::server {

RecordMetrics::RecordMetrics(prometheus::Registry& registry, std::string record)
    : record_(std::move(record)),
      open_(prometheus::BuildGauge()
                .Name("qms_records_open")
                .Help("Records not closed, by plant and state")
                .Register(registry)),
      overdue_(prometheus::BuildGauge()
                   .Name("qms_records_overdue")
                   .Help("Records whose earliest open deadline has passed, by plant")
                   .Register(registry)),
      steps_(prometheus::BuildCounter()
                 .Name("qms_record_steps_total")
                 .Help("Steps committed on records (creates included), by step")
                 .Register(registry)) {}

void RecordMetrics::CountStep(const std::string& step) {
  absl::MutexLock lock(&mu_);
  auto [it, added] = step_counters_.try_emplace(step, nullptr);
  if (added) it->second = &steps_.Add({{"record", record_}, {"step", step}});
  it->second->Increment();
}

void RecordMetrics::Set(const RecordCounts& counts) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, gauge] : open_gauges_) gauge->Set(0);
  for (auto& [plant, gauge] : overdue_gauges_) gauge->Set(0);
  for (const RecordCounts::Open& o : counts.open) {
    auto [it, added] = open_gauges_.try_emplace({o.plant, o.state}, nullptr);
    if (added) {
      it->second = &open_.Add({{"record", record_}, {"plant", o.plant}, {"state", o.state}});
    }
    it->second->Set(static_cast<double>(o.count));
  }
  for (const auto& [plant, n] : counts.overdue) {
    auto [it, added] = overdue_gauges_.try_emplace(plant, nullptr);
    if (added) it->second = &overdue_.Add({{"record", record_}, {"plant", plant}});
    it->second->Set(static_cast<double>(n));
  }
}

}  // namespace qms::server
