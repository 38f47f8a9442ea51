// TLS and mutual TLS on the real binary with certificates made by openssl in the test; the
// request size limit; and no token or secret in any service log.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/rich_error.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms {
namespace {

using testing::ServiceProcess;
using testing::TestDatabase;
namespace cv1 = complaints::v1;

constexpr char kComplaints[] = QMS_BINARY_DIR "/services/complaints/complaints";
constexpr char kNotifications[] = QMS_BINARY_DIR "/services/notifications/notifications";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

cv1::CreateComplaintRequest ValidCreate() {
  cv1::CreateComplaintRequest r;
  r.set_parent("plants/SZ1");
  r.mutable_complaint()->set_customer("ACME");
  r.mutable_complaint()->set_part_number("PN-1");
  r.mutable_complaint()->set_defect_description("burr");
  r.mutable_complaint()->set_channel(cv1::WRITTEN);
  return r;
}

// A CA, a server certificate for 127.0.0.1/localhost, a client certificate from the same CA and
// one from a stranger's CA, all made with the openssl command line.
class Certificates {
 public:
  Certificates()
      : dir_(absl::StrCat(::testing::TempDir(), "/certs-", getpid(), "-",
                          absl::ToUnixNanos(absl::Now()))) {
    const std::string script = absl::StrCat("set -e; mkdir -p ", dir_, "; cd ", dir_, R"(
        ca() { openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$1" \
                 -keyout $1.key -out $1.pem 2>/dev/null; }
        leaf() {  # leaf NAME CA EXT
          openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout $1.key -out $1.csr 2>/dev/null
          printf '%s\n' "$3" > $1.ext
          openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -days 1 \
            -extfile $1.ext -out $1.pem 2>/dev/null
        }
        ca ca; ca rogue-ca
        leaf server ca "subjectAltName=IP:127.0.0.1,DNS:localhost"
        leaf client ca "extendedKeyUsage=clientAuth"
        leaf rogue rogue-ca "extendedKeyUsage=clientAuth")");
    const auto result = testing::RunCommand(script);
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  std::string path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }
  std::string pem(const std::string& name) const { return Read(path(name)); }

 private:
  std::string dir_;
};

// GetComplaint of a complaint that does not exist: NOT_FOUND means the call got through.
grpc::StatusCode Probe(const std::string& address,
                       std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto stub = cv1::ComplaintService::NewStub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext context;
  testing::Authorize(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  cv1::GetComplaintRequest r;
  r.set_name("plants/SZ1/complaints/SZ1-2026-00001");
  cv1::Complaint c;
  return stub->GetComplaint(&context, r, &c).error_code();
}

std::shared_ptr<grpc::ChannelCredentials> Tls(const Certificates& certs,
                                              const std::string& client = "") {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = certs.pem("ca.pem");
  if (!client.empty()) {
    o.pem_cert_chain = certs.pem(client + ".pem");
    o.pem_private_key = certs.pem(client + ".key");
  }
  return grpc::SslCredentials(o);
}

TEST(Transport, TlsServesTlsClientsAndRefusesPlaintext) {
  Certificates certs;
  TestDatabase db;
  ServiceProcess service(kComplaints, db,
                         {"--tls_cert_file=" + certs.path("server.pem"),
                          "--tls_key_file=" + certs.path("server.key")});
  EXPECT_EQ(Probe(service.grpc_address(), Tls(certs)), grpc::NOT_FOUND);
  EXPECT_EQ(Probe(service.grpc_address(), grpc::InsecureChannelCredentials()), grpc::UNAVAILABLE);
}

// Kubernetes' native gRPC probes cannot speak TLS: --health_listen answers them in plaintext with
// the API port's health, and serves nothing else.
TEST(Transport, HealthPortAnswersPlaintextProbesAndServesNothingElse) {
  Certificates certs;
  TestDatabase db;
  ServiceProcess service(
      kComplaints, db,
      {"--tls_cert_file=" + certs.path("server.pem"), "--tls_key_file=" + certs.path("server.key"),
       "--health_listen=127.0.0.1:0"});
  ASSERT_FALSE(service.health_address().empty());
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(service.health_address(), grpc::InsecureChannelCredentials()));
  const auto check = [&](const std::string& name) {
    grpc::health::v1::HealthCheckResponse response;
    const absl::Time end = absl::Now() + absl::Seconds(10);
    do {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(name);
      if (health->Check(&context, request, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < end);
    return response.status();
  };
  EXPECT_EQ(check(""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(check("liveness"), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(check("qms.complaints.v1.ComplaintService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Probe(service.health_address(), grpc::InsecureChannelCredentials()),
            grpc::UNIMPLEMENTED)
      << "the API is not reachable in plaintext through the health port";
  EXPECT_EQ(Probe(service.grpc_address(), Tls(certs)), grpc::NOT_FOUND);
}

TEST(Transport, MutualTlsRefusesClientsWithoutACertificateFromTheCa) {
  Certificates certs;
  TestDatabase db;
  ServiceProcess service(
      kComplaints, db,
      {"--tls_cert_file=" + certs.path("server.pem"), "--tls_key_file=" + certs.path("server.key"),
       "--tls_client_ca_file=" + certs.path("ca.pem")});
  EXPECT_EQ(Probe(service.grpc_address(), Tls(certs, "client")), grpc::NOT_FOUND);
  EXPECT_EQ(Probe(service.grpc_address(), Tls(certs)), grpc::UNAVAILABLE) << "no certificate";
  EXPECT_EQ(Probe(service.grpc_address(), Tls(certs, "rogue")), grpc::UNAVAILABLE)
      << "a certificate from another CA";
}

TEST(Transport, RelayReachesATlsNotificationServiceWithItsServiceToken) {
  Certificates certs;
  TestDatabase complaints_db;
  TestDatabase notifications_db;
  ServiceProcess notifications(kNotifications, notifications_db,
                               {"--tls_cert_file=" + certs.path("server.pem"),
                                "--tls_key_file=" + certs.path("server.key")});
  ServiceProcess complaints(kComplaints, complaints_db,
                            {"--notifications_target=" + notifications.grpc_address(),
                             "--peer_ca_file=" + certs.path("ca.pem")});
  auto stub = cv1::ComplaintService::NewStub(
      grpc::CreateChannel(complaints.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  testing::Authorize(context);
  cv1::Complaint c;
  ASSERT_TRUE(stub->CreateComplaint(&context, ValidCreate(), &c).ok());
  EXPECT_TRUE(testing::Eventually([&] {
    return complaints_db.Count("SELECT COUNT(*) FROM outbox") == 0;
  })) << Read(complaints.log_file());
  EXPECT_EQ(notifications_db.Count("SELECT COUNT(*) FROM timers"), 2);
}

TEST(Transport, OversizedRequestsAreRefused) {
  TestDatabase db;
  ServiceProcess service(kComplaints, db, {"--max_request_bytes=65536"});
  auto stub = cv1::ComplaintService::NewStub(
      grpc::CreateChannel(service.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  testing::Authorize(context);
  cv1::CreateComplaintRequest r;
  r.set_parent("plants/SZ1");
  r.mutable_complaint()->set_defect_description(std::string(100000, 'x'));
  cv1::Complaint c;
  EXPECT_EQ(stub->CreateComplaint(&context, r, &c).error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM complaints"), 0);
}

// Fills `add` until the request is within `slack` bytes of the services' default 4 MiB limit.
template <typename Request, typename Add>
void FillToTheLimit(Request& request, Add add, size_t slack = 16 << 10) {
  while (request.ByteSizeLong() + slack < (4u << 20)) add(request);
}

// A request as bad as the size limit admits: every element wrong in every field, in three-byte
// UTF-8 (valid: proto3 refuses invalid UTF-8 in a string before any handler sees it). The error
// must still reach the client whole (gRPC refuses trailers over 8 KiB with RESOURCE_EXHAUSTED),
// with its field violations bounded and readable.
void ExpectBoundedInvalidArgument(const grpc::Status& status, const std::string& first_field) {
  ASSERT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << status.error_message();
  const std::vector<std::string> fields = testing::ViolatedFields(status);
  ASSERT_FALSE(fields.empty());
  EXPECT_LE(fields.size(), 20u);
  EXPECT_EQ(fields[0], first_field);
  EXPECT_LE(status.error_message().size(), 600u);
  EXPECT_NE(status.error_message().find(first_field), std::string::npos);
  EXPECT_NE(status.error_message().find("more"), std::string::npos) << status.error_message();
}

TEST(Transport, TheLargestBadRequestStillReachesTheClientAsInvalidArgument) {
  TestDatabase complaints_db;
  TestDatabase notifications_db;
  ServiceProcess complaints(kComplaints, complaints_db);
  ServiceProcess notifications(kNotifications, notifications_db);
  std::string euro;
  for (int i = 0; i < 300; ++i) euro += "\xe2\x82\xac";

  auto stub = cv1::ComplaintService::NewStub(
      grpc::CreateChannel(complaints.grpc_address(), grpc::InsecureChannelCredentials()));
  cv1::Complaint created;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(stub->CreateComplaint(&context, ValidCreate(), &created).ok());
  }
  cv1::SubmitContainmentRequest contain;
  contain.set_name(created.name());
  FillToTheLimit(contain, [&](cv1::SubmitContainmentRequest& r) {
    cv1::Action* a = r.mutable_containment()->add_actions();
    a->set_due_date(euro.substr(0, 30));
    a->set_owner(euro);
  });
  ASSERT_GT(contain.containment().actions_size(), 1000);
  cv1::Complaint after;
  grpc::ClientContext contain_context;
  testing::Authorize(contain_context);
  ExpectBoundedInvalidArgument(stub->SubmitContainment(&contain_context, contain, &after),
                               "containment.actions");

  namespace nv1 = notifications::v1;
  auto timers = nv1::TimerService::NewStub(
      grpc::CreateChannel(notifications.grpc_address(), grpc::InsecureChannelCredentials()));
  nv1::BatchArmTimersRequest batch;
  for (int i = 0; i < 1000; ++i) {
    nv1::ArmTimerRequest* r = batch.add_requests();
    r->set_plant("SZ1");
    r->set_subject(euro + euro.substr(0, 399));
    r->set_policy(euro.substr(0, 450));
    r->set_request_id(euro.substr(0, 450));
    r->set_customer(euro);
  }
  ASSERT_LT(batch.ByteSizeLong(), 4u << 20);
  nv1::BatchArmTimersResponse armed;
  grpc::ClientContext arm_context;
  testing::Authorize(arm_context);
  ExpectBoundedInvalidArgument(timers->BatchArmTimers(&arm_context, batch, &armed),
                               "requests[0].subject");
  EXPECT_EQ(notifications_db.Count("SELECT COUNT(*) FROM timers"), 0);
}

TEST(Transport, NoTokenOrSecretEverReachesTheLogs) {
  TestDatabase complaints_db;
  TestDatabase notifications_db;
  ServiceProcess notifications(kNotifications, notifications_db);
  ServiceProcess complaints(kComplaints, complaints_db,
                            {"--notifications_target=" + notifications.grpc_address()});
  const std::string good = testing::TestToken("sales@sz1", {"sales"}, {"SZ1"});
  const std::string expired =
      testing::TestToken("sales@sz1", {"sales"}, {"SZ1"}, -absl::Minutes(10));
  const std::string wrong_role = testing::TestToken("wh@sz1", {"warehouse"}, {"SZ1"});
  auto stub = cv1::ComplaintService::NewStub(
      grpc::CreateChannel(complaints.grpc_address(), grpc::InsecureChannelCredentials()));
  for (const std::string& token : {good, expired, wrong_role, std::string("garbage.token.x")}) {
    grpc::ClientContext context;
    testing::Authorize(context, token);
    cv1::Complaint c;
    (void)stub->CreateComplaint(&context, ValidCreate(), &c);
  }
  // Let the relay send the timers with its service token, then stop both cleanly.
  EXPECT_TRUE(testing::Eventually(
      [&] { return complaints_db.Count("SELECT COUNT(*) FROM outbox") == 0; }, absl::Seconds(5)));
  complaints.Signal(SIGTERM);
  notifications.Signal(SIGTERM);
  complaints.Wait(absl::Seconds(15));
  notifications.Wait(absl::Seconds(15));
  const std::string logs = Read(complaints.log_file()) + Read(notifications.log_file());
  ASSERT_NE(logs.find("auth refused"), std::string::npos) << "the refusals were logged: " << logs;
  ASSERT_NE(logs.find("method=BatchArmTimers subject=svc-complaints"), std::string::npos)
      << "the relay's calls were logged with its subject";
  ASSERT_NE(logs.find("method=CreateComplaint subject=sales@sz1 code=OK"), std::string::npos)
      << "who created what is in the log";
  const std::string service_token = Read(testing::ServiceTokenFile());
  for (const std::string& secret :
       {good, expired, wrong_role, std::string("garbage.token.x"),
        std::string(testing::kTestJwtSecret), service_token.substr(0, service_token.find('\n'))}) {
    // Any third of a token would already be too much.
    EXPECT_EQ(logs.find(secret.substr(secret.size() / 3, secret.size() / 3)), std::string::npos)
        << "found in the logs: " << secret;
  }
}

}  // namespace
}  // namespace qms
