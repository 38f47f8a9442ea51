// complaints: customer complaints (8D) for the plants. Flags and wiring only.
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/outbox_relay.h"
#include "common/plants.h"
#include "common/timer_client.h"
#include "services/complaints/audit_finding_service.h"
#include "services/complaints/complaint_service.h"
#include "services/complaints/migrations.h"

ABSL_FLAG(int32_t, serious_window_months, 12, "How far back the serious-complaint rules count");
ABSL_FLAG(int32_t, serious_same_defect_customers, 2,
          "Customers reporting the same part and defect code that make a complaint serious");
ABSL_FLAG(std::string, notifications_target, "",
          "host:port of the notification service the outbox relay sends timers to; empty: the "
          "outbox only fills (timers are not started)");
ABSL_FLAG(int32_t, create_batch_max, 32,
          "Most concurrent creates of one plant committed in one transaction (1: one each)");
ABSL_FLAG(int32_t, serious_repeat_complaints, 3,
          "Complaints of one customer that make a complaint serious");

int main(int argc, char** argv) {
  qms::server::BlockTerminationSignals();
  qms::InitLogging("complaints");
  qms::config::ParseFlags(argc, argv, "complaints: customer complaint (8D) service");

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
  if (auto exit_code = qms::config::MigrateAsAsked(pool, qms::complaints::Migrations())) {
    return *exit_code;
  }

  qms::complaints::StoreOptions store_options;
  store_options.plants = std::make_shared<const qms::PlantCalendars>(*std::move(plants));
  store_options.serious.window_months = absl::GetFlag(FLAGS_serious_window_months);
  store_options.serious.same_defect_customers = absl::GetFlag(FLAGS_serious_same_defect_customers);
  store_options.serious.complaints_by_customer = absl::GetFlag(FLAGS_serious_repeat_complaints);
  store_options.create_batch_max =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_create_batch_max)));
  auto server_options = qms::config::ServerOptionsFromFlags();
  if (!server_options.ok()) {
    spdlog::critical("{}", server_options.status().ToString());
    return 2;
  }
  qms::server::ServiceRunner runner("complaints", *std::move(server_options));
  // How many creates each create transaction held: group commit at work (1 = no batching).
  prometheus::Histogram& batch_sizes =
      prometheus::BuildHistogram()
          .Name("qms_complaint_create_batch_size")
          .Help("Creates committed per create transaction (group commit)")
          .Register(runner.registry())
          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
  store_options.on_create_commit = [&batch_sizes](size_t creates) {
    batch_sizes.Observe(static_cast<double>(creates));
  };
  qms::complaints::ComplaintStore store(pool, store_options);
  qms::complaints::ComplaintServiceImpl service(store);
  qms::complaints::AuditFindingStore finding_store(pool);
  qms::complaints::AuditFindingServiceImpl findings(
      finding_store,
      [zones = store_options.plants](absl::string_view p) { return zones->Zone(p); });
  runner.AddService(&service, qms::complaints::v1::ComplaintService::service_full_name(),
                    qms::complaints::ComplaintAccess());
  runner.AddService(&findings, qms::complaints::v1::AuditFindingService::service_full_name(),
                    qms::complaints::AuditFindingAccess());
  runner.SetReadinessProbe([&pool] { return pool.Ping(); });

  std::unique_ptr<qms::outbox::Relay> relay;
  if (const std::string target = absl::GetFlag(FLAGS_notifications_target); !target.empty()) {
    relay = std::make_unique<qms::outbox::Relay>(
        pool,
        qms::outbox::TimerSender({target, "complaints", qms::config::PeerOptionsFromFlags().ca_file,
                                  qms::config::PeerOptionsFromFlags().token_file}),
        qms::outbox::RelayOptions{}, &runner.registry());
    relay->Start();
  } else {
    spdlog::warn("no --notifications_target: timer commands stay in the outbox");
  }
  const absl::Status status = runner.RunUntilSignal();
  if (relay) relay->Stop();
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}
