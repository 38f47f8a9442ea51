// For a service that arms response timers: relays its outbox (common/outbox.h, the commands its
// steps wrote) to the notification service at --notifications_target, as this service (its
// --service_token_file, --peer_ca_file). Without a target the outbox only fills (logged), so a
// service can run before notifications exists; nothing is lost, the rows wait.
#ifndef QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_
#define QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_

#include "absl/status/status.h"
#include "common/server/service_main.h"

namespace qms::clients {

absl::Status RelayTimerOutbox(ServiceContext& service);

}  // namespace qms::clients

#endif  // QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_
