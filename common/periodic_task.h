// A background thread that runs one step every interval until stopped: the start/stop base of
// every loop in the suite (database health, outbox relay, timer engine). Each step is a
// RunOnce-style call that handles one batch; Wake() runs the next step at once.
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
  // `step` runs on the task's own thread, first right after Start(), then `interval` after the
  // end of the previous step (or sooner after Wake()).
  PeriodicTask(std::string name, absl::Duration interval, std::function<void()> step);
  ~PeriodicTask();  // Stops.

  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start();
  // Waits for a running step to finish; no step runs after Stop returns. Idempotent.
  void Stop();
  // Runs the next step now instead of at the end of the interval.
  void Wake();

 private:
  void Loop();
  bool StoppingOrWoken() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; }

  const std::string name_;
  const absl::Duration interval_;
  const std::function<void()> step_;
  absl::Mutex mu_;
  MonotonicCondVar changed_;  // stopping_ or woken_ set
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace qms

#endif  // QMS_COMMON_PERIODIC_TASK_H_
