#include "common/server/service_runner.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/loop_passes.h"
#include "common/periodic_task.h"
#include "common/read_file.h"
#include "common/server/auth_interceptor.h"
#include "common/server/rpc_observer.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace qms::server {

namespace {

// qms_loop_passes_total{loop}: the passes each background loop of the process completed
// (common/loop_passes.h).
class LoopPassesCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "qms_loop_passes_total";
    family.help = "Passes completed by each background loop (engine, relay, deliveries, ...)";
    family.type = prometheus::MetricType::Counter;
    for (const auto& [loop, passes] : AllLoopPasses()) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"loop", loop});
      metric.counter.value = static_cast<double>(passes);
      family.metric.push_back(std::move(metric));
    }
    return {std::move(family)};
  }
};

constexpr char kLiveness[] = "liveness";

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("a TLS client CA needs a server certificate and key");
    }
    if (!o.plaintext) {
      return absl::InvalidArgumentError(
          "no TLS certificate given; pass --plaintext to serve without TLS (local use only)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate and a key file");
  }
  auto cert = ReadFile(o.tls_cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(o.tls_key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.tls_client_ca_file.empty()) {
    auto ca = ReadFile(o.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// "127.0.0.1:0" -> "127.0.0.1"
std::string HostOf(const std::string& address) {
  auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

absl::Status WriteReadyFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServiceRunner::ServiceRunner(std::string name, ServerOptions options)
    : name_(std::move(name)),
      options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()) {}

ServiceRunner::~ServiceRunner() { Shutdown(); }

void ServiceRunner::AddService(grpc::Service* service, std::string full_name, AccessTable access) {
  services_.push_back({service, std::move(full_name), std::move(access)});
}

void ServiceRunner::SetReadinessProbe(std::function<absl::Status()> probe) {
  probe_ = std::move(probe);
}

absl::Status ServiceRunner::Start() {
  auto credentials = Credentials(options_);
  if (!credentials.ok()) return credentials.status();

  // Every method of every service must be in its access table: a method added to a proto
  // without a decision about who may call it stops the server here, not in production.
  std::map<std::string, AccessTable> tables;
  for (const Registered& r : services_) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(r.full_name);
    if (descriptor == nullptr) return absl::InvalidArgumentError("unknown service " + r.full_name);
    for (int i = 0; i < descriptor->method_count(); ++i) {
      if (r.access.count(descriptor->method(i)->name()) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("no access rule for ", r.full_name, "/", descriptor->method(i)->name()));
      }
    }
    tables[r.full_name] = r.access;
  }
  std::shared_ptr<const auth::Verifier> verifier;
  if (!services_.empty()) {
    absl::StatusOr<auth::Verifier> created = auth::Verifier::Create(options_.auth);
    if (!created.ok()) return created.status();
    verifier = std::make_shared<const auth::Verifier>(*std::move(created));
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, *credentials, &grpc_port_);
  builder.SetMaxReceiveMessageSize(options_.max_request_bytes);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::max(2, options_.idle_threads));
  for (const Registered& r : services_) builder.RegisterService(r.service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  if (verifier) {
    interceptors.push_back(std::make_unique<AuthInterceptorFactory>(verifier, std::move(tables)));
  }
  interceptors.push_back(std::make_unique<RpcObserverFactory>(*registry_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (!server_ || grpc_port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }

  if (!options_.health_listen.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(options_.health_listen, grpc::InsecureServerCredentials(),
                                    &health_port_);
    health_server_ = health_builder.BuildAndStart();
    if (!health_server_ || health_port_ == 0) {
      health_server_.reset();
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.health_listen));
    }
  }

  if (!options_.metrics_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", options_.metrics_listen, ": ", e.what()));
    }
    exposer_->RegisterCollectable(registry_);
    loop_passes_ = std::make_shared<LoopPassesCollectable>();
    exposer_->RegisterCollectable(loop_passes_);
    metrics_port_ = exposer_->GetListeningPorts().front();
  }

  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server != nullptr) server->GetHealthCheckService()->SetServingStatus(kLiveness, true);
  }
  SetServing(false);
  health_task_ =
      std::make_unique<PeriodicTask>("health", options_.health_interval, [this] { ProbeOnce(); });
  health_task_->Start();

  const std::string grpc_address = absl::StrCat(HostOf(options_.listen), ":", grpc_port_);
  std::string ready = absl::StrCat("grpc=", grpc_address, "\n");
  if (exposer_) {
    absl::StrAppend(&ready, "metrics=", HostOf(options_.metrics_listen), ":", metrics_port_, "\n");
  }
  if (health_server_) {
    absl::StrAppend(&ready, "health=", HostOf(options_.health_listen), ":", health_port_, "\n");
  }
  spdlog::info("serving grpc={} metrics={} tls={}", grpc_address,
               exposer_ ? absl::StrCat(HostOf(options_.metrics_listen), ":", metrics_port_) : "off",
               options_.tls_cert_file.empty()        ? "off"
               : options_.tls_client_ca_file.empty() ? "server"
                                                     : "mutual");
  if (!options_.ready_file.empty()) return WriteReadyFile(options_.ready_file, ready);
  return absl::OkStatus();
}

void ServiceRunner::ProbeOnce() {
  absl::Status status = probe_ ? probe_() : absl::OkStatus();
  if (status.ok() != serving_) {
    if (status.ok()) {
      spdlog::info("health serving=true");
    } else {
      spdlog::warn("health serving=false reason=\"{}\"", std::string(status.message()));
    }
  }
  SetServing(status.ok());
}

void ServiceRunner::SetServing(bool serving) {
  serving_ = serving;
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    auto* health = server->GetHealthCheckService();
    health->SetServingStatus("", serving);
    for (const Registered& r : services_) health->SetServingStatus(r.full_name, serving);
  }
}

void ServiceRunner::Shutdown() {
  if (!server_ || shut_down_) return;
  shut_down_ = true;
  if (health_task_) health_task_->Stop();
  SetServing(false);
  for (const auto& hook : shutdown_hooks_) hook();
  spdlog::info("shutdown grace_ms={}", absl::ToInt64Milliseconds(options_.shutdown_grace));
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  server_->Wait();
  if (health_server_) health_server_->Shutdown();
  spdlog::info("shutdown complete");
}

absl::Status ServiceRunner::RunUntilSignal() {
  absl::Status started = Start();
  if (!started.ok()) return started;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  spdlog::info("signal {} received", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  Shutdown();
  return absl::OkStatus();
}

}  // namespace qms::server
