// The transactional outbox: a service records a command for another service (today: arm, disarm
// or escalate a response timer in the notification service) in the same transaction as the domain
// change that implies it. Either both commit or neither does; a relay delivers committed rows with
// the row id as idempotency key, and deletes them as it delivers them.
//
// Each service's migrations create the table:
//   outbox(id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(16), plant VARCHAR(16),
//          subject VARCHAR(255), policy VARCHAR(64), start_time DATETIME(6) NULL,
//          due_time DATETIME(6) NULL, detail VARCHAR(512), customer VARCHAR(255),
//          create_time DATETIME(6), attempts INT DEFAULT 0, next_attempt_time DATETIME(6))
#ifndef QMS_COMMON_OUTBOX_H_
#define QMS_COMMON_OUTBOX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/connection_pool.h"

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

// Inserts `message` on `connection`, inside the caller's transaction. Throws sql::SQLException.
void Enqueue(db::Connection& connection, const Message& message, absl::Time now);
// The same for several, in one round trip.
void EnqueueAll(db::Connection& connection, const std::vector<Message>& messages, absl::Time now);

}  // namespace qms::outbox

#endif  // QMS_COMMON_OUTBOX_H_
