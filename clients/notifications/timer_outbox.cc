#include "clients/notifications/timer_outbox.h"

#include "absl/flags/flag.h"
#include "clients/notifications/timer_client.h"
#include "common/config.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, notifications_target, "",
          "host:port of the notification service the outbox relay sends timers to; empty: the "
          "timer commands stay in the outbox (timers are not started)");

namespace qms::clients {

std::optional<outbox::Receiver> TimerReceiver(ServiceContext& service) {
  const std::string target = absl::GetFlag(FLAGS_notifications_target);
  if (target.empty()) {
    spdlog::warn("no --notifications_target: timer commands stay in the outbox");
    return std::nullopt;
  }
  return outbox::Receiver{{"arm", "disarm", "escalate"},
                          TimerSender(config::PeerOptionsFromFlags(target), service.name())};
}

void RelayOutbox(ServiceContext& service, std::vector<outbox::Receiver> receivers) {
  if (receivers.empty()) {
    spdlog::warn("no receiver for the outbox: its rows wait");
    return;
  }
  service.Run(service.Make<outbox::Relay>(service.pool(), outbox::Route(std::move(receivers)),
                                          outbox::RelayOptions{}, &service.registry()));
}

absl::Status RelayTimerOutbox(ServiceContext& service) {
  std::vector<outbox::Receiver> receivers;
  if (auto timers = TimerReceiver(service)) receivers.push_back(*std::move(timers));
  RelayOutbox(service, std::move(receivers));
  return absl::OkStatus();
}

}  // namespace qms::clients
