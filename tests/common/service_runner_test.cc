#include "common/server/service_runner.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/eventually.h"

namespace qms::server {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

ServerOptions LocalOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.metrics_listen = "";
  o.plaintext = true;
  o.health_interval = absl::Milliseconds(20);
  return o;
}

HealthCheckResponse::ServingStatus Check(int port, const std::string& service) {
  auto stub = Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

// Polls until the status is `want` (the probe runs every 20 ms) or 5 s pass.
bool Becomes(int port, const std::string& service, HealthCheckResponse::ServingStatus want) {
  return testing::Eventually([&] { return Check(port, service) == want; }, absl::Seconds(5));
}

TEST(ServiceRunner, HealthFollowsTheReadinessProbeWhileLivenessStaysServing) {
  std::atomic<bool> database_up{false};
  ServiceRunner runner("test", LocalOptions());
  runner.SetReadinessProbe([&] {
    return database_up ? absl::OkStatus() : absl::UnavailableError("database unavailable");
  });
  ASSERT_TRUE(runner.Start().ok());
  const int port = runner.grpc_port();
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(port, "liveness"), HealthCheckResponse::SERVING);
  database_up = true;
  EXPECT_TRUE(Becomes(port, "", HealthCheckResponse::SERVING));
  database_up = false;
  EXPECT_TRUE(Becomes(port, "", HealthCheckResponse::NOT_SERVING));
  EXPECT_EQ(Check(port, "liveness"), HealthCheckResponse::SERVING);
}

TEST(ServiceRunner, RefusesToServeWithoutTlsUnlessPlaintextIsExplicit) {
  ServerOptions o = LocalOptions();
  o.plaintext = false;
  ServiceRunner runner("test", o);
  absl::Status status = runner.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--plaintext"), absl::string_view::npos);
}

TEST(ServiceRunner, RefusesAClientCaWithoutAServerCertificate) {
  ServerOptions o = LocalOptions();
  o.tls_client_ca_file = "/nonexistent/ca.pem";
  ServiceRunner runner("test", o);
  EXPECT_EQ(runner.Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServiceRunner, WritesTheBoundAddressesToTheReadyFile) {
  ServerOptions o = LocalOptions();
  o.metrics_listen = "127.0.0.1:0";
  o.ready_file = absl::StrCat(::testing::TempDir(), "/runner.ready");
  ServiceRunner runner("test", o);
  ASSERT_TRUE(runner.Start().ok());
  std::ifstream in(o.ready_file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), absl::StrCat("grpc=127.0.0.1:", runner.grpc_port(),
                                     "\nmetrics=127.0.0.1:", runner.metrics_port(), "\n"));
  EXPECT_GT(runner.grpc_port(), 0);
  EXPECT_GT(runner.metrics_port(), 0);
}

}  // namespace
}  // namespace qms::server
