#include "common/server/service_main.h"

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/periodic_task.h"
#include "common/plants.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(absl::Duration, records_refresh, absl::Seconds(5),
          "How often qms_records_open and qms_records_overdue are recounted from the database");

namespace qms {

ServiceContext::~ServiceContext() {
  while (!owned_.empty()) owned_.pop_back();
}

namespace {

int ExitCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return 2;
    default:
      return 1;
  }
}

}  // namespace

void ServiceContext::StartLoops() {
  for (auto& loop : loops_) loop.start();
}

void ServiceContext::StopLoops() {
  for (auto it = loops_.rbegin(); it != loops_.rend(); ++it) it->stop();
}

int RunService(int argc, char** argv, const ServiceSpec& spec) {
  server::BlockTerminationSignals();
  InitLogging(spec.name);
  config::ParseFlags(argc, argv, spec.usage);

  auto plants = config::PlantCalendarsFromFlags();
  if (!plants.ok()) {
    spdlog::critical("{}", plants.status().ToString());
    return 2;
  }
  auto db_options = config::DatabaseOptionsFromFlags();
  if (!db_options.ok()) {
    spdlog::critical("{}", db_options.status().ToString());
    return 2;
  }
  db::ConnectionPool pool(*db_options);
  if (spec.migrations != nullptr) {
    if (auto exit_code = config::MigrateAsAsked(pool, *spec.migrations)) return *exit_code;
  }
  auto server_options = config::ServerOptionsFromFlags();
  if (!server_options.ok()) {
    spdlog::critical("{}", server_options.status().ToString());
    return 2;
  }
  server::ServiceRunner runner(spec.name, *std::move(server_options));
  runner.SetReadinessProbe([&pool] { return pool.Ping(); });

  ServiceContext context(spec, pool, std::make_shared<const PlantCalendars>(*std::move(plants)),
                         runner);
  if (const absl::Status wired = spec.wire(context); !wired.ok()) {
    spdlog::critical("{}", wired.ToString());
    return ExitCode(wired);
  }
  // The loops start with the server: RunUntilSignal serves at once, and a loop's first step may
  // as well run while the first calls arrive.
  context.StartLoops();
  const absl::Status status = runner.RunUntilSignal();
  context.StopLoops();
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}

void CountRecords(ServiceContext& service, server::RecordMetrics& metrics,
                  std::function<absl::StatusOr<server::RecordCounts>()> count) {
  service.Run(service.Make<PeriodicTask>(
      "records", absl::GetFlag(FLAGS_records_refresh), [&metrics, count = std::move(count)] {
        absl::StatusOr<server::RecordCounts> counts = count();
        if (counts.ok()) {
          metrics.Set(*counts);
        } else {
          spdlog::warn("records not counted: {}", counts.status().ToString());
        }
      }));
}

}  // namespace qms
