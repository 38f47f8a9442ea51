// Wakes event streams when this replica fired stages, instead of waiting for their next poll;
// and tells them to end when the server shuts down.
#ifndef QMS_SERVICES_NOTIFICATIONS_EVENT_BUS_H_
#define QMS_SERVICES_NOTIFICATIONS_EVENT_BUS_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/monotonic_wait.h"

namespace qms::notifications {

class EventBus {
 public:
  void Publish() {
    absl::MutexLock lock(&mu_);
    ++sequence_;
    changed_.NotifyAll();
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    changed_.NotifyAll();
  }
  // Waits until something was published after `*seen` (updating it), the bus closes, or
  // `timeout` passes. False once the bus is closed.
  bool Wait(uint64_t* seen, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    const uint64_t before = *seen;
    auto changed = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return closed_ || sequence_ != before; };
    changed_.WaitFor(mu_, timeout, changed);
    *seen = sequence_;
    return !closed_;
  }

 private:
  absl::Mutex mu_;
  MonotonicCondVar changed_;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_EVENT_BUS_H_
