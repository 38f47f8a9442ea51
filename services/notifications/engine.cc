#include "services/notifications/engine.h"

#include <algorithm>

#include "common/logging.h"
#include "common/loop_passes.h"

namespace qms::notifications {

TimerEngine::TimerEngine(TimerStore& store, NotificationMetrics& metrics, EngineOptions options,
                         std::function<void(const std::vector<Event>&)> on_fired)
    : store_(store), metrics_(metrics), options_(options), on_fired_(std::move(on_fired)) {}

TimerEngine::~TimerEngine() { Stop(); }

void TimerEngine::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TimerEngine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.NotifyAll();
  }
  if (thread_.joinable()) thread_.join();
}

void TimerEngine::NoteDue(absl::Time due) {
  absl::MutexLock lock(&mu_);
  wake_at_ = std::min(wake_at_, due - clock_offset_);
  noted_ = std::min(noted_, due - clock_offset_);
  changed_.NotifyAll();
}

absl::StatusOr<int> TimerEngine::RunOnce() {
  {
    absl::MutexLock lock(&mu_);
    noted_ = absl::InfiniteFuture();  // what is noted from here on survives the pass
  }
  const absl::Time local = absl::Now();
  absl::StatusOr<FireResult> result = store_.FireDue(options_.batch_size);
  if (!result.ok()) return result.status();
  for (const Event& e : result->fired) metrics_.Fired(e);
  if (!result->fired.empty() && on_fired_) on_fired_(result->fired);
  absl::MutexLock lock(&mu_);
  clock_offset_ = result->db_now - local;
  const bool full = static_cast<int>(result->fired.size()) >= options_.batch_size;
  absl::Time next = absl::Now() + options_.poll_interval;
  if (full) {
    next = absl::InfinitePast();
  } else if (result->next_due) {
    next = std::min(next, *result->next_due - clock_offset_);
  }
  // A stage armed on this replica while the pass ran may be missing from next_due (its commit
  // came after the pass read it): the pass must not overwrite the wake NoteDue set for it.
  wake_at_ = std::min(next, noted_);
  return static_cast<int>(result->fired.size());
}

void TimerEngine::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Sleep until the wake time, which NoteDue may bring forward.
      while (!stopping_ && absl::Now() < wake_at_) {
        changed_.WaitFor(mu_, std::min(wake_at_ - absl::Now(), absl::Milliseconds(50)),
                         [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
                           return stopping_ || absl::Now() >= wake_at_;
                         });
      }
      if (stopping_) return;
    }
    absl::StatusOr<int> fired = RunOnce();
    CountLoopPass("engine");
    if (!fired.ok()) {
      spdlog::warn("timer engine pass failed: {}", fired.status().ToString());
      absl::MutexLock lock(&mu_);
      wake_at_ = std::min(absl::Now() + options_.poll_interval, noted_);
    }
  }
}

}  // namespace qms::notifications
