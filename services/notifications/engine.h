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
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/periodic_task.h"
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

  void Start() { task_.Start(); }
  void Stop() { task_.Stop(); }  // idempotent; no pass runs after it returns

  // A timer this replica armed has a stage due at `due` (database clock): wake by then, also
  // when a pass is running (its own plan may predate the arm).
  void NoteDue(absl::Time due);

  // One pass on the caller's thread: the number of stages fired. It plans the next pass
  // (NextPass): at once after a full batch, else at the earliest pending stage it read, at most
  // poll_interval away.
  absl::StatusOr<int> RunOnce();
  // What the last pass planned (local clock).
  absl::Time NextPass() {
    absl::MutexLock lock(&mu_);
    return planned_;
  }
  // When the loop runs its next pass: the plan, or sooner for a NoteDue (local clock).
  absl::Time NextWake() { return task_.NextWake(); }

 private:
  TimerStore& store_;
  NotificationMetrics& metrics_;
  const EngineOptions options_;
  const std::function<void(const std::vector<Event>&)> on_fired_;
  absl::Mutex mu_;
  absl::Duration clock_offset_ ABSL_GUARDED_BY(mu_);  // database minus local
  absl::Time planned_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  PeriodicTask task_;  // last: stopped before the rest goes
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_ENGINE_H_
