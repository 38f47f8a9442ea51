#include "clients/notifications/timer_outbox.h"

#include "absl/flags/flag.h"
#include "clients/notifications/timer_client.h"
#include "common/config.h"
#include "common/outbox_relay.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, notifications_target, "",
          "host:port of the notification service the outbox relay sends timers to; empty: the "
          "outbox only fills (timers are not started)");

namespace qms::clients {

absl::Status RelayTimerOutbox(ServiceContext& service) {
  const std::string target = absl::GetFlag(FLAGS_notifications_target);
  if (target.empty()) {
    spdlog::warn("no --notifications_target: timer commands stay in the outbox");
    return absl::OkStatus();
  }
  service.Run(service.Make<outbox::Relay>(
      service.pool(), TimerSender(config::PeerOptionsFromFlags(target), service.name()),
      outbox::RelayOptions{}, &service.registry()));
  return absl::OkStatus();
}

}  // namespace qms::clients
