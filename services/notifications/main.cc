// notifications: plant calendars, response timers, escalations and deliveries. Flags and wiring.
#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/periodic_task.h"
#include "common/plants.h"
#include "services/notifications/delivery.h"
#include "services/notifications/engine.h"
#include "services/notifications/migrations.h"
#include "services/notifications/notification_service.h"

ABSL_FLAG(std::string, policies_file, "",
          "JSON file of timer policies; empty: the built-in policies (see ListPolicies)");
ABSL_FLAG(int32_t, engine_batch_size, 500, "Stages claimed per engine transaction");
ABSL_FLAG(absl::Duration, engine_poll_interval, absl::Seconds(1),
          "Longest sleep of the engine (other replicas' arms are seen by this poll)");
ABSL_FLAG(std::string, smtp_url, "", "SMTP server for e-mail deliveries, e.g. smtp://mail:25");
ABSL_FLAG(std::string, mail_from, "qms-notifications@localhost", "Sender of e-mail deliveries");
ABSL_FLAG(absl::Duration, delivery_first_backoff, absl::Seconds(2),
          "Wait before the second attempt of a failed delivery; doubles each attempt");
ABSL_FLAG(absl::Duration, delivery_max_backoff, absl::Minutes(30), "Longest wait between attempts");
ABSL_FLAG(int32_t, delivery_max_attempts, 8, "Attempts before a delivery is marked dead");
ABSL_FLAG(absl::Duration, open_timers_refresh, absl::Seconds(5),
          "How often qms_timers_open is recounted from the database");
ABSL_FLAG(absl::Duration, delivery_timeout, absl::Seconds(5), "Timeout of one delivery attempt");
ABSL_FLAG(absl::Duration, delivery_lease, absl::Seconds(60),
          "How long a worker holds the deliveries it claimed; at least (batch + 1) x timeout");

int main(int argc, char** argv) {
  qms::server::BlockTerminationSignals();
  qms::InitLogging("notifications");
  qms::config::ParseFlags(argc, argv, "notifications: calendars, response timers, deliveries");

  std::string policies_json = qms::notifications::BuiltinPoliciesJson();
  if (const std::string file = absl::GetFlag(FLAGS_policies_file); !file.empty()) {
    auto content = qms::config::ReadFile(file);
    if (!content.ok()) {
      spdlog::critical("{}", content.status().ToString());
      return 2;
    }
    policies_json = *content;
  }
  auto policies = qms::notifications::ParsePolicies(policies_json);
  if (!policies.ok()) {
    spdlog::critical("{}", policies.status().ToString());
    return 2;
  }
  auto plants = qms::config::PlantCalendarsFromFlags();
  if (!plants.ok()) {
    spdlog::critical("{}", plants.status().ToString());
    return 2;
  }

  auto db_options = qms::config::DatabaseOptionsFromFlags();
  if (!db_options.ok()) {
    spdlog::critical("{}", db_options.status().ToString());
    return 2;
  }
  qms::db::ConnectionPool pool(*db_options);
  if (auto exit_code = qms::config::MigrateAsAsked(pool, qms::notifications::Migrations())) {
    return *exit_code;
  }

  auto server_options = qms::config::ServerOptionsFromFlags();
  if (!server_options.ok()) {
    spdlog::critical("{}", server_options.status().ToString());
    return 2;
  }
  qms::server::ServiceRunner runner("notifications", *std::move(server_options));
  qms::notifications::NotificationMetrics metrics(runner.registry());
  qms::notifications::TimerStore store(pool, *policies, *plants);
  // The plants file's calendars become the stored ones (unchanged ones are left alone).
  for (const qms::Calendar& calendar : plants->GivenCalendars()) {
    auto applied = store.ApplyConfiguredCalendar(calendar);
    if (!applied.ok()) {
      spdlog::critical("calendar of {}: {}", calendar.plant, applied.status().ToString());
      return 1;
    }
    if (applied->second) {
      spdlog::info("calendar of {} set from the plants file (version {})", calendar.plant,
                   applied->first);
    }
  }

  qms::notifications::DeliveryOptions delivery_options;
  delivery_options.smtp_url = absl::GetFlag(FLAGS_smtp_url);
  delivery_options.mail_from = absl::GetFlag(FLAGS_mail_from);
  delivery_options.first_backoff = absl::GetFlag(FLAGS_delivery_first_backoff);
  delivery_options.max_backoff = absl::GetFlag(FLAGS_delivery_max_backoff);
  delivery_options.max_attempts = absl::GetFlag(FLAGS_delivery_max_attempts);
  delivery_options.lease = absl::GetFlag(FLAGS_delivery_lease);
  delivery_options.timeout = absl::GetFlag(FLAGS_delivery_timeout);
  qms::notifications::Deliverer deliverer(store, metrics, delivery_options);
  qms::notifications::EventBus bus;

  qms::notifications::EngineOptions engine_options;
  engine_options.batch_size = absl::GetFlag(FLAGS_engine_batch_size);
  engine_options.poll_interval = absl::GetFlag(FLAGS_engine_poll_interval);
  qms::notifications::TimerEngine engine(store, metrics, engine_options,
                                         [&](const std::vector<qms::notifications::Event>&) {
                                           deliverer.Wake();
                                           bus.Publish();
                                         });
  qms::PeriodicTask open_timers("open-timers", absl::GetFlag(FLAGS_open_timers_refresh), [&] {
    if (auto counts = store.CountOpen(); counts.ok()) metrics.SetOpen(*counts);
    if (auto late = store.CountDueUnfired(absl::Seconds(30)); late.ok()) {
      metrics.SetDueUnfired(*late);
    }
  });

  qms::notifications::CalendarServiceImpl calendars(store);
  qms::notifications::TimerServiceImpl timers(store, engine, metrics);
  qms::notifications::DeliveryServiceImpl deliveries(store, bus);
  runner.AddService(&calendars, qms::notifications::v1::CalendarService::service_full_name(),
                    qms::notifications::CalendarAccess());
  runner.AddService(&timers, qms::notifications::v1::TimerService::service_full_name(),
                    qms::notifications::TimerAccess());
  runner.AddService(&deliveries, qms::notifications::v1::DeliveryService::service_full_name(),
                    qms::notifications::DeliveryAccess());
  runner.SetReadinessProbe([&pool] { return pool.Ping(); });
  runner.OnShutdown([&] { bus.Close(); });

  engine.Start();
  deliverer.Start();
  open_timers.Start();
  const absl::Status status = runner.RunUntilSignal();
  open_timers.Stop();
  deliverer.Stop();
  engine.Stop();
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}
