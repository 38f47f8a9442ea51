// notifications: plant calendars, response timers, escalations and deliveries.
#include "common/periodic_task.h"
#include "common/server/service_main.h"
#include "common/status_macros.h"
#include "services/notifications/calendar_service.h"
#include "services/notifications/delivery_service.h"
#include "services/notifications/migrations.h"
#include "services/notifications/options.h"
#include "services/notifications/timer_service.h"

namespace notifications = qms::notifications;
namespace v1 = qms::notifications::v1;

int main(int argc, char** argv) {
  const qms::ServiceSpec spec{"notifications", "notifications: calendars, timers, deliveries",
                              &notifications::Migrations()};
  return qms::RunService(argc, argv, spec, [](qms::ServiceContext& s) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(notifications::Options options, notifications::OptionsFromFlags());
    auto& metrics = s.Make<notifications::NotificationMetrics>(s.registry());
    auto& store =
        s.Make<notifications::TimerStore>(s.pool(), std::move(options.policies), *s.plants());
    if (absl::Status applied = store.ApplyConfiguredCalendars(); !applied.ok()) return applied;

    auto& deliverer = s.Make<notifications::Deliverer>(store, metrics, options.delivery);
    auto& bus = s.Make<notifications::EventBus>();
    s.OnShutdown([&bus] { bus.Close(); });
    auto& engine = s.Make<notifications::TimerEngine>(store, metrics, options.engine,
                                                      [&](const auto& /*events*/) {
                                                        deliverer.Wake();
                                                        bus.Publish();
                                                      });
    s.Run(engine);
    s.Run(deliverer);
    s.Run(s.Make<qms::PeriodicTask>("open-timers", options.open_timers_refresh,
                                    [&] { metrics.Refresh(store); }));

    s.Serve(s.Make<notifications::CalendarServiceImpl>(store),
            v1::CalendarService::service_full_name(), notifications::CalendarAccess());
    s.Serve(s.Make<notifications::TimerServiceImpl>(store, engine, metrics),
            v1::TimerService::service_full_name(), notifications::TimerAccess());
    s.Serve(s.Make<notifications::DeliveryServiceImpl>(store, bus),
            v1::DeliveryService::service_full_name(), notifications::DeliveryAccess());
    return absl::OkStatus();
  });
}
