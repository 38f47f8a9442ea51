// How one service calls another (clients/peer.h): UNAVAILABLE is retried within the deadline and
// nothing else is; the token is read from its file on every call. The callee here is a health
// endpoint on a real gRPC server that answers as the test tells it to.
#include "clients/peer.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace qms::clients {
namespace {

namespace health = grpc::health::v1;

// Fails the first `failures` calls with `code`, then answers SERVING; records the last token.
class FlakyHealth final : public health::Health::Service {
 public:
  FlakyHealth(int failures, grpc::StatusCode code) : failures_(failures), code_(code) {}

  grpc::Status Check(grpc::ServerContext* context, const health::HealthCheckRequest*,
                     health::HealthCheckResponse* response) override {
    calls_.fetch_add(1);
    const auto auth = context->client_metadata().find("authorization");
    if (auth != context->client_metadata().end()) {
      last_token_ = std::string(auth->second.data(), auth->second.size());
    }
    if (failures_.fetch_sub(1) > 0) return grpc::Status(code_, "not now");
    response->set_status(health::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

  int calls() const { return calls_.load(); }
  std::string last_token() const { return last_token_; }

 private:
  std::atomic<int> failures_;
  const grpc::StatusCode code_;
  std::atomic<int> calls_{0};
  std::string last_token_;  // written by the one call at a time these tests make
};

struct Served {
  explicit Served(FlakyHealth& service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~Served() { server->Shutdown(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port); }
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

grpc::Status CheckThrough(const Peer& peer) {
  auto stub = health::Health::NewStub(peer.channel());
  grpc::ClientContext context;
  peer.Prepare(context);
  health::HealthCheckResponse response;
  return stub->Check(&context, {}, &response);
}

TEST(Peer, RetriesUnavailableWithinItsAttempts) {
  FlakyHealth callee(2, grpc::StatusCode::UNAVAILABLE);
  Served served(callee);
  PeerOptions options;
  options.target = served.address();
  options.max_attempts = 3;
  const grpc::Status status = CheckThrough(Peer(options));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(callee.calls(), 3) << "two refusals, then the answer";
}

TEST(Peer, GivesUpAfterItsAttemptsAndRetriesNothingElse) {
  FlakyHealth down(10, grpc::StatusCode::UNAVAILABLE);
  Served served_down(down);
  PeerOptions options;
  options.target = served_down.address();
  options.max_attempts = 3;
  EXPECT_EQ(CheckThrough(Peer(options)).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(down.calls(), 3);

  FlakyHealth refusing(1, grpc::StatusCode::INVALID_ARGUMENT);
  Served served_refusing(refusing);
  options.target = served_refusing.address();
  EXPECT_EQ(CheckThrough(Peer(options)).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refusing.calls(), 1) << "a refusal for good is not retried";
}

TEST(Peer, ReadsItsTokenOnEveryCall) {
  FlakyHealth callee(0, grpc::StatusCode::OK);
  Served served(callee);
  const std::string file = ::testing::TempDir() + "/peer-test.token";
  std::ofstream(file) << "first-token\n";
  PeerOptions options;
  options.target = served.address();
  options.token_file = file;
  const Peer peer(options);
  ASSERT_TRUE(CheckThrough(peer).ok());
  EXPECT_EQ(callee.last_token(), "Bearer first-token");
  std::ofstream(file) << "rotated-token\n";
  ASSERT_TRUE(CheckThrough(peer).ok());
  EXPECT_EQ(callee.last_token(), "Bearer rotated-token") << "a rotated Secret takes effect";
}

}  // namespace
}  // namespace qms::clients
