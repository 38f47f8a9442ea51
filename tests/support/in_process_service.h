// A service as its binary wires it (its ServiceSpec, common/server/service_main.h), in the test's
// process: a fresh TestDatabase migrated with the service's schema, the service's handlers and
// loops on a real gRPC server on loopback (plaintext, trusting the test tokens, no metrics port),
// flags at their defaults unless the test set them. For handler tests; a test about the process
// itself (signals, flags, restarts) starts the binary with ServiceProcess instead.
//
//   class ReturnServiceTest : public ::testing::Test {
//    protected:
//     void SetUp() override {
//       ASSERT_TRUE(service_.Start().ok());
//       stub_ = service_.Stub<v1::ReturnService>();
//     }
//     testing::InProcessService service_{returns::Service()};
//     std::unique_ptr<v1::ReturnService::Stub> stub_;
//   };
#ifndef QMS_TESTS_SUPPORT_IN_PROCESS_SERVICE_H_
#define QMS_TESTS_SUPPORT_IN_PROCESS_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/db/connection_pool.h"
#include "common/plant_calendars.h"
#include "common/server/service_main.h"
#include "common/server/service_runner.h"
#include "tests/support/test_database.h"

namespace qms::testing {

class InProcessService {
 public:
  // Migrates (failing the test on error) and prepares; nothing serves before Start(). `plants`
  // stands for the plants file.
  explicit InProcessService(const ServiceSpec& spec, PlantCalendars plants = PlantCalendars());
  // Stops serving and the loops, then destroys what Wire made.
  ~InProcessService();
  InProcessService(const InProcessService&) = delete;
  InProcessService& operator=(const InProcessService&) = delete;

  // Wires the service (spec.wire), starts the server, then its loops.
  absl::Status Start();

  TestDatabase& db() { return db_; }
  db::ConnectionPool& pool() { return *pool_; }
  // host:port of the server, once started.
  std::string address() const;
  // A channel to the server, once started.
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  template <class Service>
  std::unique_ptr<typename Service::Stub> Stub() const {
    return Service::NewStub(channel_);
  }

 private:
  const ServiceSpec& spec_;
  TestDatabase db_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<server::ServiceRunner> runner_;
  std::unique_ptr<ServiceContext> context_;
  std::shared_ptr<grpc::Channel> channel_;
  bool started_ = false;
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_IN_PROCESS_SERVICE_H_
