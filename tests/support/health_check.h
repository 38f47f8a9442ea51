// The gRPC health status a service answers (grpc.health.v1), UNKNOWN when it does not answer
// within 2 s. Link qms_health_proto.
#ifndef QMS_TESTS_SUPPORT_HEALTH_CHECK_H_
#define QMS_TESTS_SUPPORT_HEALTH_CHECK_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace qms::testing {

inline grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest r;
  grpc::health::v1::HealthCheckResponse out;
  if (!stub->Check(&context, r, &out).ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  return out.status();
}

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_HEALTH_CHECK_H_
