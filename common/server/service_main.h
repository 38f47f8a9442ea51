// The start and stop of every service binary, so that a service's main.cc holds only its own
// flags and what it registers:
//
//   int main(int argc, char** argv) {
//     return qms::RunService(argc, argv, {"returns", "returns: ...", &Migrations()},
//                            [](qms::ServiceContext& s) -> absl::Status {
//       auto& store = s.Make<ReturnStore>(s.pool(), s.plants());
//       s.Serve(s.Make<ReturnServiceImpl>(store), v1::ReturnService::service_full_name(),
//               ReturnAccess());
//       return clients::RelayTimerOutbox(s);
//     });
//   }
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
#include "common/server/service_runner.h"

namespace qms {

struct ServiceSpec {
  std::string name;   // "complaints": logs, metrics, request ids
  std::string usage;  // the first line of --help
  const std::vector<db::Migration>* migrations = nullptr;
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

 private:
  friend int RunService(int, char**, const ServiceSpec&,
                        const std::function<absl::Status(ServiceContext&)>&);
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

// Runs the service; returns the process's exit code: 0 after a clean stop (or --migrate), 2 for
// bad configuration (flags, files, what `wire` refuses as INVALID_ARGUMENT, NOT_FOUND or
// FAILED_PRECONDITION), 1 for any other failure.
int RunService(int argc, char** argv, const ServiceSpec& spec,
               const std::function<absl::Status(ServiceContext&)>& wire);

}  // namespace qms

#endif  // QMS_COMMON_SERVER_SERVICE_MAIN_H_
