// The timer engine: fires due stages in batches, on every replica at once.
//
// Each pass claims up to batch_size due stages with FOR UPDATE SKIP LOCKED (other replicas take
// other rows), marks them fired and records their firings and deliveries in one transaction, so
// a crash before the commit leaves them due for the next pass of any replica and a commit makes
// them permanent. A full batch is followed at once by another; otherwise the engine sleeps until
// the earliest pending stage it knows of, at most poll_interval, and sooner when this replica
// arms a timer due earlier (NoteDue). Due times are compared on the database clock.
#ifndef QMS_SERVICES_NOTIFICATIONS_ENGINE_H_
#define QMS_SERVICES_NOTIFICATIONS_ENGINE_H_

#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/monotonic_wait.h"
#include "services/notifications/metrics.h"
#include "services/notifications/timer_store.h"

namespace qms::notifications {

struct EngineOptions {
  int batch_size = 500;
  absl::Duration poll_interval = absl::Seconds(1);
};

class TimerEngine {
 public:
  // `on_fired` runs after each committed batch that fired something (wakes deliveries, streams).
  TimerEngine(TimerStore& store, NotificationMetrics& metrics, EngineOptions options,
              std::function<void(const std::vector<Event>&)> on_fired);
  ~TimerEngine();

  void Start();
  void Stop();  // idempotent; no pass runs after it returns

  // A timer this replica armed has a stage due at `due` (database clock): wake by then.
  void NoteDue(absl::Time due);

  // One pass on the caller's thread: the number of stages fired. A NoteDue made while it runs
  // is kept: the next wake is the sooner of what the pass found and what was noted meanwhile.
  absl::StatusOr<int> RunOnce();

  // When the loop runs its next pass (local clock).
  absl::Time NextWake() {
    absl::MutexLock lock(&mu_);
    return wake_at_;
  }

 private:
  void Loop();

  TimerStore& store_;
  NotificationMetrics& metrics_;
  const EngineOptions options_;
  const std::function<void(const std::vector<Event>&)> on_fired_;
  absl::Mutex mu_;
  MonotonicCondVar changed_;  // stopping_ set or wake_at_ brought forward
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time wake_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // local clock
  absl::Time noted_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();  // NoteDue during this pass
  absl::Duration clock_offset_ ABSL_GUARDED_BY(mu_);                // database minus local
  std::thread thread_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_ENGINE_H_
