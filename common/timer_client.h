// Sends outbox messages to the notification service's TimerService: "arm" and "escalate" become
// ArmTimer (an escalation is a policy whose only deadline is due at once), "disarm" becomes
// DisarmTimer (with the deadline in `detail`, or the whole timer). The outbox id is the request
// id, so a repeat is harmless.
#ifndef QMS_COMMON_TIMER_CLIENT_H_
#define QMS_COMMON_TIMER_CLIENT_H_

#include <string>

#include "common/outbox_relay.h"

namespace qms::outbox {

struct TimerClientOptions {
  std::string target;      // host:port of the notification service
  std::string service;     // the sending service, part of request ids ("complaints")
  std::string ca_file;     // TLS roots for the notification service; empty: plaintext
  std::string token_file;  // this service's bearer token, re-read on every call
  absl::Duration deadline = absl::Seconds(5);
};

Relay::Send TimerSender(const TimerClientOptions& options);

}  // namespace qms::outbox

#endif  // QMS_COMMON_TIMER_CLIENT_H_
