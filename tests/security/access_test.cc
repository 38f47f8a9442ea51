// Who may call what, over real gRPC against the real binaries, for every method of every service:
// the binaries are those of services/registry.txt, their services and methods are what each one
// lists through server reflection, so a service or method added later is covered without a new
// line here. Tokens that are missing, expired, forged or for another audience; a role no table
// allows; and a token of plant A1 aimed at plant B1's data in every request field that names a
// plant.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/service_registry.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"
#include "tools/cli/reflection.h"

namespace qms {
namespace {

namespace pb = google::protobuf;
using testing::ServiceProcess;
using testing::TestDatabase;
using testing::TestToken;

const std::vector<std::string> kAllRoles = {
    "sales",           "quality",   "responsible_department",
    "general_manager", "warehouse", "engineering",
    "plant_floor",     "auditor",   "admin",
    "service"};

// The collection of the resource a method returns, as AIP-122 names it: Complaint ->
// "complaints", AuditFinding -> "auditFindings".
std::string CollectionOf(const pb::MethodDescriptor& method) {
  std::string type = method.output_type()->name();
  if (!type.empty()) type[0] = absl::ascii_tolower(type[0]);
  return type + "s";
}

// Sets every field that names a plant to `plant` (recursively), and what validation needs around
// it. Resource names are plants/{plant}/{collection}/{id}; subscriptions, which belong to no plant
// by name, are the plant's subscription made in SetUpTestSuite.
void Fill(pb::Message& m, const pb::MethodDescriptor& method, const std::string& plant,
          const std::string& subscription, int depth = 0) {
  const pb::Reflection* r = m.GetReflection();
  const pb::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->type() == pb::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
      const std::string& n = f->name();
      if (n == "plant") r->SetString(&m, f, plant);
      if (n == "parent") r->SetString(&m, f, "plants/" + plant);
      if (n == "subject") r->SetString(&m, f, absl::StrCat("plants/", plant, "/complaints/X"));
      if (n == "policy") r->SetString(&m, f, "complaint.containment");
      if (n == "name" && depth == 0) {
        r->SetString(&m, f,
                     method.service()->name() == "DeliveryService"
                         ? subscription
                         : absl::StrCat("plants/", plant, "/", CollectionOf(method), "/", plant,
                                        "-2026-00001"));
      }
    } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE && depth < 2 &&
               f->message_type()->full_name().rfind("google.protobuf.", 0) != 0) {
      pb::Message* child = f->is_repeated() ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
      Fill(*child, method, plant, subscription, depth + 1);
    }
  }
}

grpc::Status Call(const ServiceProcess& process, const pb::MethodDescriptor& method,
                  const pb::Message& request, const std::string& token) {
  auto channel = grpc::CreateChannel(process.grpc_address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                 grpc::StubOptions(), &in, &out, [&](grpc::Status s) { done.set_value(s); });
  return done.get_future().get();
}

// One running service of the registry, with what it serves.
struct Running {
  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServiceProcess> process;
  std::unique_ptr<cli::ReflectedServer> served;
};

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    running_ = new std::map<std::string, Running>();
    for (const testing::RegisteredService& s : testing::ServiceRegistry()) {
      std::vector<std::string> flags;
      for (const auto& [flag, callee] : s.calls) {
        ASSERT_EQ(running_->count(callee), 1u) << s.name << " calls " << callee;
        flags.push_back(absl::StrCat("--", flag, "=", (*running_)[callee].process->grpc_address()));
      }
      Running& r = (*running_)[s.name];
      r.db = std::make_unique<TestDatabase>();
      r.process = std::make_unique<ServiceProcess>(s.binary(), *r.db, flags);
      absl::StatusOr<std::unique_ptr<cli::ReflectedServer>> served =
          cli::ReflectedServer::Fetch(r.process->grpc_address(), "qms.");
      ASSERT_TRUE(served.ok()) << s.name << ": " << served.status();
      ASSERT_FALSE((*served)->services().empty()) << s.name << " serves no qms service";
      r.served = std::move(*served);
    }
    ASSERT_GE(running_->size(), 2u) << "the registry lists the suite's services";
    // A subscription of plant B1, for the DeliveryService methods that name one.
    auto stub = notifications::v1::DeliveryService::NewStub(grpc::CreateChannel(
        (*running_)["notifications"].process->grpc_address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    testing::Authorize(context);
    notifications::v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant("B1");
    r.mutable_subscription()->set_email("qa@b1.example");
    notifications::v1::Subscription s;
    ASSERT_TRUE(stub->CreateSubscription(&context, r, &s).ok());
    subscription_ = new std::string(s.name());
  }
  static void TearDownTestSuite() {
    delete running_;  // the processes first, then their databases (member order)
    delete subscription_;
  }

  static const ServiceProcess& Notifications() { return *(*running_)["notifications"].process; }

  // Calls every method of every service with requests aimed at `plant` and `token`; returns
  // "Service/Method" -> status code.
  std::map<std::string, grpc::StatusCode> CallAll(const std::string& plant,
                                                  const std::string& token) {
    std::map<std::string, grpc::StatusCode> codes;
    for (const auto& [name, running] : *running_) {
      pb::DynamicMessageFactory factory;
      for (const pb::ServiceDescriptor* service : running.served->services()) {
        for (int i = 0; i < service->method_count(); ++i) {
          const pb::MethodDescriptor& method = *service->method(i);
          std::unique_ptr<pb::Message> request(factory.GetPrototype(method.input_type())->New());
          Fill(*request, method, plant, *subscription_);
          codes[absl::StrCat(service->name(), "/", method.name())] =
              Call(*running.process, method, *request, token).error_code();
        }
      }
    }
    EXPECT_GE(codes.size(), 39u) << "every method of the services (39 in complaints and "
                                    "notifications alone)";
    return codes;
  }

  static std::map<std::string, Running>* running_;
  static std::string* subscription_;
};

std::map<std::string, Running>* AccessTest::running_;
std::string* AccessTest::subscription_;

TEST_F(AccessTest, EveryMethodRefusesCallsWithoutAValidToken) {
  auth::TokenSpec expired;
  expired.claims = {"qe", kAllRoles, {"*"}, absl::Now() - absl::Minutes(10)};
  expired.issuer = "qms";
  expired.audience = "qms-suite";
  expired.issued_at = absl::Now() - absl::Hours(1);
  auth::TokenSpec other_audience = expired;
  other_audience.claims.expires = absl::Now() + absl::Hours(1);
  other_audience.audience = "another-suite";
  auth::TokenSpec forged = other_audience;
  forged.audience = "qms-suite";
  const std::map<std::string, std::string> tokens = {
      {"none", ""},
      {"garbage", "not.a.token"},
      {"expired",
       *auth::Sign(expired, {auth::SigningKey::Algorithm::kHs256, testing::kTestJwtSecret})},
      {"wrong audience",
       *auth::Sign(other_audience, {auth::SigningKey::Algorithm::kHs256, testing::kTestJwtSecret})},
      {"wrong signature", *auth::Sign(forged, {auth::SigningKey::Algorithm::kHs256,
                                               "someone-elses-secret-0123456789abcdef"})},
  };
  for (const auto& [what, token] : tokens) {
    for (const auto& [method, code] : CallAll("B1", token)) {
      EXPECT_EQ(code, grpc::UNAUTHENTICATED) << what << " token, " << method;
    }
  }
}

TEST_F(AccessTest, EveryMethodRefusesARoleItsTableDoesNotName) {
  for (const auto& [method, code] : CallAll("B1", TestToken("intruder", {"visitor"}))) {
    EXPECT_EQ(code, grpc::PERMISSION_DENIED) << method;
  }
}

TEST_F(AccessTest, APlantATokenReachesNoPlantBDataInAnyMethod) {
  const std::string a1 = TestToken("qe@a1", kAllRoles, {"A1"});
  for (const auto& [method, code] : CallAll("B1", a1)) {
    if (method == "TimerService/ListPolicies") {
      EXPECT_EQ(code, grpc::OK) << "policies belong to no plant";
      continue;
    }
    EXPECT_EQ(code, grpc::PERMISSION_DENIED) << method;
  }
  // The control: the same requests aimed at the token's own plant, and with a company-wide token
  // at B1, get past the access checks (whatever the handler answers then).
  for (const auto& [token, plant] : std::vector<std::pair<std::string, std::string>>{
           {a1, "A1"}, {testing::AnyoneToken(), "B1"}}) {
    for (const auto& [method, code] : CallAll(plant, token)) {
      if (method == "DeliveryService/DeleteSubscription" && plant == "A1") continue;  // B1's
      EXPECT_NE(code, grpc::PERMISSION_DENIED) << method << " at " << plant;
      EXPECT_NE(code, grpc::UNAUTHENTICATED) << method << " at " << plant;
    }
  }
}

TEST_F(AccessTest, ListsShowOnlyThePlantsOfTheToken) {
  auto stub = notifications::v1::DeliveryService::NewStub(
      grpc::CreateChannel(Notifications().grpc_address(), grpc::InsecureChannelCredentials()));
  const auto subscribe = [&](const std::string& plant, const std::string& email) {
    grpc::ClientContext context;
    testing::Authorize(context);
    notifications::v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant(plant);
    r.mutable_subscription()->set_email(email);
    notifications::v1::Subscription s;
    ASSERT_TRUE(stub->CreateSubscription(&context, r, &s).ok());
  };
  subscribe("A1", "qa@a1.example");
  subscribe("*", "ceo@hq.example");
  grpc::ClientContext context;
  testing::Authorize(context, TestToken("qe@a1", {"quality"}, {"A1"}));
  notifications::v1::ListSubscriptionsResponse list;
  ASSERT_TRUE(stub->ListSubscriptions(&context, {}, &list).ok());
  ASSERT_EQ(list.subscriptions_size(), 1);
  EXPECT_EQ(list.subscriptions(0).plant(), "A1");

  // A stream of every plant needs a company-wide token.
  grpc::ClientContext watch_context;
  testing::Authorize(watch_context, TestToken("board@a1", {"plant_floor"}, {"A1"}));
  auto reader = stub->WatchEvents(&watch_context, {});
  notifications::v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::PERMISSION_DENIED);
}

}  // namespace
}  // namespace qms
