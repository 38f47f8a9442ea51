#include "services/notifications/wiring.h"

#include "common/periodic_task.h"
#include "common/status_macros.h"
#include "services/notifications/calendar_service.h"
#include "services/notifications/delivery_service.h"
#include "services/notifications/migrations.h"
#include "services/notifications/options.h"
#include "services/notifications/timer_service.h"

namespace qms::notifications {
namespace {

absl::Status Wire(ServiceContext& s) {
  QMS_ASSIGN_OR_RETURN(Options options, OptionsFromFlags());
  auto& metrics = s.Make<NotificationMetrics>(s.registry(), options.metric_customers);
  auto& store = s.Make<TimerStore>(s.pool(), std::move(options.policies), *s.plants());
  if (absl::Status applied = store.ApplyConfiguredCalendars(); !applied.ok()) return applied;

  auto& deliveries = s.Make<DeliveryStore>(s.pool());
  auto& deliverer = s.Make<Deliverer>(deliveries, metrics, options.delivery);
  // One poller of fired events for every WatchEvents stream of this replica.
  auto& feed = s.Make<EventFeed>(deliveries, options.events, &s.registry());
  s.OnShutdown([&feed] { feed.Close(); });
  auto& engine = s.Make<TimerEngine>(store, metrics, options.engine, [&](const auto& /*events*/) {
    deliverer.Wake();
    feed.Wake();
  });
  s.Run(engine);
  s.Run(feed);
  s.Run(deliverer);
  s.Run(s.Make<PeriodicTask>("open-timers", options.open_timers_refresh,
                             [&] { metrics.Refresh(store); }));

  s.Serve(s.Make<CalendarServiceImpl>(store), v1::CalendarService::service_full_name(),
          CalendarAccess());
  s.Serve(s.Make<TimerServiceImpl>(store, engine, metrics), v1::TimerService::service_full_name(),
          TimerAccess());
  s.Serve(s.Make<DeliveryServiceImpl>(deliveries, feed), v1::DeliveryService::service_full_name(),
          DeliveryAccess());
  return absl::OkStatus();
}

}  // namespace

const ServiceSpec& Service() {
  static const ServiceSpec spec{"notifications", "notifications: calendars, timers, deliveries",
                                &Migrations(), Wire};
  return spec;
}

}  // namespace qms::notifications
