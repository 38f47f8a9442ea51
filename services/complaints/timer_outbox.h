// Timer commands of the domain (lifecycle.h) as outbox rows, inside the caller's transaction.
#ifndef QMS_SERVICES_COMPLAINTS_TIMER_OUTBOX_H_
#define QMS_SERVICES_COMPLAINTS_TIMER_OUTBOX_H_

#include <string>
#include <vector>

#include "common/db/connection_pool.h"
#include "services/complaints/lifecycle.h"

namespace qms::complaints {

// One outbox row per command ("arm", "disarm", "escalate"). Throws sql::SQLException.
void EnqueueTimers(db::Connection& connection, const std::string& plant,
                   const std::vector<TimerCommand>& timers, absl::Time now);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_TIMER_OUTBOX_H_
