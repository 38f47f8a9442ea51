// The start and stop of every service binary. A service says what it is and what it serves in
// its wiring.{h,cc} (its flags and its ServiceSpec), and its main.cc is one line:
//
//   absl::Status Wire(ServiceContext& s) {
//     auto& store = s.Make<ReturnStore>(s.pool(), s.plants());
//     s.Serve(s.Make<ReturnServiceImpl>(store), v1::ReturnService::service_full_name(),
//             ReturnAccess());
//     return clients::RelayTimerOutbox(s);
//   }
//   const ServiceSpec& Service() {
//     static const ServiceSpec spec{"returns", "returns: ...", &Migrations(), Wire};
//     return spec;
//   }
//   int main(int argc, char** argv) { return RunService(argc, argv, returns::Service()); }
//
// The in-process tests run the same spec (tests/support/in_process_service.h).
//
// In order: termination signals blocked (the runner waits for them), logging, flags (with their
// QMS_* environment fallbacks), the plants file (each plant's zone and calendar), the database
// pool, migrations as --migrate / --migrate_on_start ask, the gRPC runner with its readiness probe
// (a database ping), then `wire`. Then the loops start, the server serves until SIGTERM/SIGINT,
// the loops stop in reverse order, and what `wire` made is destroyed in reverse order.
#ifndef QMS_COMMON_SERVER_SERVICE_MAIN_H_
#define QMS_COMMON_SERVER_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/db/connection_pool.h"
#include "common/db/migrator.h"
#include "common/plant_calendars.h"
#include "common/server/record_metrics.h"
#include "common/server/service_runner.h"

namespace qms {

class ServiceContext;

// What a service is: its name, its schema, and what it serves and runs (`wire`, called once the
// pool, the migrations and the runner are ready; an error stops the start).
struct ServiceSpec {
  std::string name;   // "complaints": logs, metrics, request ids
  std::string usage;  // the first line of --help
  const std::vector<db::Migration>* migrations = nullptr;
  std::function<absl::Status(ServiceContext&)> wire;
};

class ServiceContext {
 public:
  ServiceContext(const ServiceSpec& spec, db::ConnectionPool& pool,
                 std::shared_ptr<const PlantCalendars> plants, server::ServiceRunner& runner)
      : spec_(spec), pool_(pool), plants_(std::move(plants)), runner_(runner) {}
  ~ServiceContext();  // destroys what Make made, last first

  ServiceContext(const ServiceContext&) = delete;
  ServiceContext& operator=(const ServiceContext&) = delete;

  const std::string& name() const { return spec_.name; }
  db::ConnectionPool& pool() { return pool_; }
  // Each plant's zone and calendar, from the plants file: the one source.
  const std::shared_ptr<const PlantCalendars>& plants() const { return plants_; }
  server::ServiceRunner& runner() { return runner_; }
  prometheus::Registry& registry() { return runner_.registry(); }

  // Constructs a T that lives until the service has stopped.
  template <class T, class... Args>
  T& Make(Args&&... args) {
    auto owned = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *owned;
    owned_.push_back(std::move(owned));
    return ref;
  }
  // Serves `service` under its full name with its access table (method -> roles).
  void Serve(grpc::Service& service, std::string full_name, server::AccessTable access) {
    runner_.AddService(&service, std::move(full_name), std::move(access));
  }
  // A background loop (anything with Start() and Stop()): started once the server is up, stopped
  // after it stopped serving, in reverse order.
  template <class Loop>
  void Run(Loop& loop) {
    loops_.push_back({[&loop] { loop.Start(); }, [&loop] { loop.Stop(); }});
  }
  // Runs while the server shuts down, before in-flight calls are waited for (e.g. ending
  // streams).
  void OnShutdown(std::function<void()> hook) { runner_.OnShutdown(std::move(hook)); }

  // What RunService (and the in-process test harness) does around serving: the loops Run
  // registered, started in order, stopped in reverse.
  void StartLoops();
  void StopLoops();

 private:
  struct LoopHandle {
    std::function<void()> start, stop;
  };
  const ServiceSpec& spec_;
  db::ConnectionPool& pool_;
  const std::shared_ptr<const PlantCalendars> plants_;
  server::ServiceRunner& runner_;
  std::vector<LoopHandle> loops_;
  std::vector<std::shared_ptr<void>> owned_;
};

// Keeps a service's record metrics (common/server/record_metrics.h) current: `count` runs every
// --records_refresh on a loop of the service and sets the gauges of `metrics`.
void CountRecords(ServiceContext& service, server::RecordMetrics& metrics,
                  std::function<absl::StatusOr<server::RecordCounts>()> count);

// Runs the service; returns the process's exit code: 0 after a clean stop (or --migrate), 2 for
// bad configuration (flags, files, what `wire` refuses as INVALID_ARGUMENT, NOT_FOUND or
// FAILED_PRECONDITION), 1 for any other failure.
int RunService(int argc, char** argv, const ServiceSpec& spec);

}  // namespace qms

#endif  // QMS_COMMON_SERVER_SERVICE_MAIN_H_
