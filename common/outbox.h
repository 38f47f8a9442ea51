// The transactional outbox: a service records a command for another service (today: arm, disarm
// or escalate a response timer in the notification service) in the same transaction as the domain
// change that implies it. Either both commit or neither does; a relay delivers committed rows with
// the row id as idempotency key, and deletes them as it delivers them.
//
// The tables (outbox, and outbox_dead for rows refused for good) are common/migrations/outbox/,
// which a service's migrations include with qms_migrations(... OUTBOX).
#ifndef QMS_COMMON_OUTBOX_H_
#define QMS_COMMON_OUTBOX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/timer_command.h"

namespace qms::outbox {

struct Message {
  std::string kind;  // "arm", "disarm", "escalate"
  std::string plant;
  std::string subject;  // the resource the timer belongs to
  std::string policy;   // e.g. "complaint.containment"
  std::optional<absl::Time> start;
  std::optional<absl::Time> due;
  std::string detail;
  std::string customer;  // arm/escalate: whom the response is owed to (reporting); may be empty
};

// Inserts `messages` on `connection` in one round trip, inside the caller's transaction. Throws
// sql::SQLException.
void EnqueueAll(db::Connection& connection, const std::vector<Message>& messages, absl::Time now);

// A domain's timer commands for `plant` as outbox rows ("arm", "disarm", "escalate"), the same way.
void EnqueueTimers(db::Connection& connection, const std::string& plant,
                   const std::vector<TimerCommand>& commands, absl::Time now);

}  // namespace qms::outbox

#endif  // QMS_COMMON_OUTBOX_H_
