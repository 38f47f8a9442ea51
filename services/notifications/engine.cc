#include "services/notifications/engine.h"

#include <algorithm>

#include "common/logging.h"

namespace qms::notifications {

TimerEngine::TimerEngine(TimerStore& store, NotificationMetrics& metrics, EngineOptions options,
                         std::function<void(const std::vector<Event>&)> on_fired)
    : store_(store),
      metrics_(metrics),
      options_(options),
      on_fired_(std::move(on_fired)),
      task_("engine", [this] {
        absl::StatusOr<int> fired = RunOnce();
        if (fired.ok()) return NextPass();
        spdlog::warn("timer engine pass failed: {}", fired.status().ToString());
        return absl::Now() + options_.poll_interval;
      }) {}

void TimerEngine::NoteDue(absl::Time due) {
  absl::Duration offset;
  {
    absl::MutexLock lock(&mu_);
    offset = clock_offset_;
  }
  task_.WakeBy(due - offset);
}

absl::StatusOr<int> TimerEngine::RunOnce() {
  const absl::Time local = absl::Now();
  absl::StatusOr<FireResult> result = store_.FireDue(options_.batch_size);
  if (!result.ok()) return result.status();
  for (const Event& e : result->fired) metrics_.Fired(e);
  if (!result->fired.empty() && on_fired_) on_fired_(result->fired);
  absl::MutexLock lock(&mu_);
  clock_offset_ = result->db_now - local;
  const bool full = static_cast<int>(result->fired.size()) >= options_.batch_size;
  planned_ = absl::Now() + options_.poll_interval;
  if (full) {
    planned_ = absl::InfinitePast();
  } else if (result->next_due) {
    planned_ = std::min(planned_, *result->next_due - clock_offset_);
  }
  return static_cast<int>(result->fired.size());
}

}  // namespace qms::notifications
