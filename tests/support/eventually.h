// Waiting in tests for something that happens in another thread or process: poll `condition`
// every 20 ms until it holds or `timeout` passes. It proves presence; absence is shown by waiting
// on a loop's passes instead (ServiceProcess::AwaitLoopPasses), never by a sleep.
#ifndef QMS_TESTS_SUPPORT_EVENTUALLY_H_
#define QMS_TESTS_SUPPORT_EVENTUALLY_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qms::testing {

inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_EVENTUALLY_H_
