// A response-timer command of a domain: what a step implies for the notification service's
// timers (arm one, disarm one or one of its deadlines, escalate at once). Domains return these
// from their pure functions; the store writes them into the outbox (outbox.h) in the step's
// transaction, and the relay sends them. Plain C++: no I/O.
#ifndef QMS_COMMON_TIMER_COMMAND_H_
#define QMS_COMMON_TIMER_COMMAND_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace qms {

struct TimerCommand {
  enum class Kind { kArm, kDisarm, kEscalate };
  Kind kind;
  std::string subject;            // resource name the timer belongs to
  std::string policy;             // one of the arming service's policies (its policies.json)
  absl::Time start;               // arm, escalate: when the clock started
  std::optional<absl::Time> due;  // arm: explicit due time, else the policy decides
  std::string detail;             // escalate: why; disarm: the deadline (empty: the whole timer)
  std::string customer;           // arm, escalate: whom the response is owed to (reporting)

  bool operator==(const TimerCommand& o) const {
    return kind == o.kind && subject == o.subject && policy == o.policy && start == o.start &&
           due == o.due && detail == o.detail && customer == o.customer;
  }
};

}  // namespace qms

#endif  // QMS_COMMON_TIMER_COMMAND_H_
