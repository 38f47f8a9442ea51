// The notification service's TimerService as the outbox relay's sender: "arm" and "escalate"
// become ArmTimer (an escalation is a policy whose only deadline is due at once), consecutive
// arms one BatchArmTimers, "disarm" becomes DisarmTimer (with the deadline in `detail`, or the
// whole timer). The outbox id is the request id (`<service>/outbox/<id>`), so a repeat is
// harmless.
#ifndef QMS_CLIENTS_NOTIFICATIONS_TIMER_CLIENT_H_
#define QMS_CLIENTS_NOTIFICATIONS_TIMER_CLIENT_H_

#include <string>

#include "clients/peer.h"
#include "common/outbox_relay.h"

namespace qms::clients {

// `service` names the sending service in request ids ("complaints").
outbox::Relay::Send TimerSender(const PeerOptions& notifications, const std::string& service);

}  // namespace qms::clients

#endif  // QMS_CLIENTS_NOTIFICATIONS_TIMER_CLIENT_H_
