// The relay of a service's outbox (common/outbox.h: the commands its steps wrote), run as this
// service (its --service_token_file, --peer_ca_file), and its receiver of timer commands: the
// notification service at --notifications_target. Without a receiver for a kind its rows wait
// (logged, retried with backoff), so a service can run before its callees exist; nothing is lost.
#ifndef QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_
#define QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "common/outbox_relay.h"
#include "common/server/service_main.h"

namespace qms::clients {

// "arm", "disarm", "escalate" to notifications at --notifications_target; nullopt without one.
std::optional<outbox::Receiver> TimerReceiver(ServiceContext& service);

// Runs one relay over the service's outbox, routing each row to its receiver (outbox::Route);
// with none the outbox only fills (logged).
void RelayOutbox(ServiceContext& service, std::vector<outbox::Receiver> receivers);

// For a service whose outbox holds timer commands only.
absl::Status RelayTimerOutbox(ServiceContext& service);

}  // namespace qms::clients

#endif  // QMS_CLIENTS_NOTIFICATIONS_TIMER_OUTBOX_H_
