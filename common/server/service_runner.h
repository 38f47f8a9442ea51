// Runs one service's gRPC server with everything every service needs: TLS or explicit plaintext,
// grpc.health.v1 driven by a readiness probe, server reflection, RPC metrics and logs, a
// Prometheus /metrics endpoint, and graceful shutdown on SIGTERM/SIGINT.
//
// Health answers for three names: "" and each registered service report SERVING only while the
// readiness probe (typically a database ping) succeeds; "liveness" reports SERVING as long as the
// process runs, so an orchestrator does not restart a pod just because its database is down.
#ifndef QMS_COMMON_SERVER_SERVICE_RUNNER_H_
#define QMS_COMMON_SERVER_SERVICE_RUNNER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/server/caller.h"

namespace grpc {
class Service;
class Server;
}  // namespace grpc

namespace prometheus {
class Registry;
class Collectable;
class Exposer;
}  // namespace prometheus

namespace qms {
class PeriodicTask;
}

namespace qms::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";         // port 0 picks a free port
  std::string metrics_listen = "127.0.0.1:9464";  // empty: no /metrics endpoint
  // A second, always plaintext port serving grpc.health.v1 alone (the same statuses): what
  // Kubernetes' native gRPC probes can reach when the API port requires TLS. Empty: none.
  std::string health_listen;
  // When set, "grpc=HOST:PORT" and "metrics=HOST:PORT" lines are written here (atomically) once
  // the server accepts calls: how scripts and tests learn ports chosen with port 0.
  std::string ready_file;
  // In-flight RPCs get this long to finish after SIGTERM; then they are cancelled.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // TLS: certificate chain and key in PEM. With a client CA, clients must present a certificate
  // it signed (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Without TLS files the server refuses to start unless plaintext is explicitly allowed.
  bool plaintext = false;
  int max_request_bytes = 4 << 20;
  // Threads kept waiting for calls between calls. gRPC's sync server starts a thread when none is
  // waiting and ends one that finishes a call while this many wait; its default of 2 means a
  // thread started and ended per call under concurrent load (measured: most of a busy
  // service's CPU went to thread churn).
  int idle_threads = 64;
  // How bearer tokens are verified (at least one key is required once a service is added).
  auth::VerifierOptions auth;
  absl::Duration health_interval = absl::Seconds(1);
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards, so that
// RunUntilSignal can wait for them. Call first thing in main.
void BlockTerminationSignals();

class ServiceRunner {
 public:
  ServiceRunner(std::string name, ServerOptions options);
  ~ServiceRunner();

  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  // Where services register their own metrics; exported on /metrics with the RPC metrics.
  prometheus::Registry& registry() { return *registry_; }

  // Registers a service before Start(); the runner does not own it. `access` names the roles
  // allowed for each of its methods; Start() refuses a service with a method not in it.
  void AddService(grpc::Service* service, std::string full_name, AccessTable access);
  // Readiness: polled every health_interval; NOT_SERVING until it first returns OK.
  void SetReadinessProbe(std::function<absl::Status()> probe);
  // Runs first thing in Shutdown(), before in-flight calls are waited for: how long-lived
  // streams learn that they should end instead of holding the shutdown for its whole grace.
  void OnShutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

  // Binds and starts serving. INVALID_ARGUMENT for unusable TLS options, UNAVAILABLE when a
  // port cannot be bound.
  absl::Status Start();
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  int health_port() const { return health_port_; }

  // Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish within
  // shutdown_grace, then cancels what is left. Idempotent.
  void Shutdown();

  // Start(), wait for SIGTERM or SIGINT, Shutdown(). Needs BlockTerminationSignals().
  absl::Status RunUntilSignal();

 private:
  void ProbeOnce();
  void SetServing(bool serving);

  const std::string name_;
  const ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> loop_passes_;  // the exposer keeps a weak_ptr
  std::unique_ptr<prometheus::Exposer> exposer_;
  struct Registered {
    grpc::Service* service;
    std::string full_name;
    AccessTable access;
  };
  std::vector<Registered> services_;
  std::function<absl::Status()> probe_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::unique_ptr<PeriodicTask> health_task_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  std::unique_ptr<grpc::Server> health_server_;  // --health_listen
  int health_port_ = 0;
  int metrics_port_ = 0;
  bool serving_ = false;  // only touched by the health task and Shutdown (after it stopped)
  bool shut_down_ = false;
};

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_SERVICE_RUNNER_H_
