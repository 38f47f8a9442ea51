// A background thread that runs one step at a time until stopped: the start/stop base of every
// loop in the suite (database health, outbox relay, timer engine, deliveries, metric refreshes).
// Each step is a RunOnce-style call that handles one batch and says when the next one is due;
// Wake() and WakeBy() bring that forward, also while a step runs (the wake survives the step).
// Every finished step is a pass of the loop (common/loop_passes.h), the signal tests wait on.
#ifndef QMS_COMMON_PERIODIC_TASK_H_
#define QMS_COMMON_PERIODIC_TASK_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/monotonic_wait.h"

namespace qms {

class PeriodicTask {
 public:
  // `step` runs on the task's own thread, first right after Start(), then again at the time it
  // returns (local clock; absl::InfinitePast(): at once), or sooner after Wake()/WakeBy().
  PeriodicTask(std::string name, std::function<absl::Time()> step);
  // A step that runs `interval` after the end of the previous one.
  PeriodicTask(std::string name, absl::Duration interval, std::function<void()> step);
  ~PeriodicTask();  // Stops.

  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start();
  // Waits for a running step to finish; no step runs after Stop returns. Idempotent.
  void Stop();
  // Runs the next step now.
  void Wake() { WakeBy(absl::InfinitePast()); }
  // Runs the next step no later than `at` (local clock).
  void WakeBy(absl::Time at);
  // When the next step runs (local clock).
  absl::Time NextWake();

 private:
  void Loop();

  const std::string name_;
  const std::function<absl::Time()> step_;
  absl::Mutex mu_;
  MonotonicCondVar changed_;  // stopping_ set or wake_at_ brought forward
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time wake_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The earliest WakeBy since the running step began: it survives what the step returns.
  absl::Time woken_by_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::thread thread_;
};

}  // namespace qms

#endif  // QMS_COMMON_PERIODIC_TASK_H_
