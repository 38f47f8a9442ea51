// Timed waits on the monotonic clock, for code that guards its state with an absl::Mutex.
//
// absl's own timed waits (AwaitWithTimeout, WaitWithTimeout) sleep until an absolute wall-clock
// time, so a wall clock stepped under the process stretches them: an NTP step back, or the
// date-shifted test run (QMS_CLOCK_SHIFT, libfaketime moves the clock the process reads but not
// the kernel's) in which a 1 s poll became a two-year sleep. A MonotonicCondVar times its waits on
// the monotonic clock instead. Unlike an absl::Condition it is not re-evaluated on every unlock:
// whoever changes what a waiter waits for calls NotifyAll.
#ifndef QMS_COMMON_MONOTONIC_WAIT_H_
#define QMS_COMMON_MONOTONIC_WAIT_H_

#include <condition_variable>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qms {

class MonotonicCondVar {
 public:
  // With `mu` held: waits until `done()` holds or `timeout` (finite) passes, releasing `mu`
  // meanwhile; true when `done()` holds. `done` runs with `mu` held.
  template <typename Done>
  bool WaitFor(absl::Mutex& mu, absl::Duration timeout, Done done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Lockable lockable{mu};
    return cv_.wait_for(lockable, absl::ToChronoNanoseconds(timeout), std::move(done));
  }

  // Wakes every waiter to look again; call it after changing, under the mutex, what they wait for.
  void NotifyAll() { cv_.notify_all(); }

 private:
  // absl::Mutex under the names std::condition_variable_any calls.
  struct Lockable {
    absl::Mutex& mu;
    void lock() ABSL_NO_THREAD_SAFETY_ANALYSIS { mu.Lock(); }
    void unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS { mu.Unlock(); }
  };
  std::condition_variable_any cv_;
};

}  // namespace qms

#endif  // QMS_COMMON_MONOTONIC_WAIT_H_
