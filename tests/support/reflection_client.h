// What a running server serves, as grpcurl learns it: the service names and their descriptors
// through grpc.reflection.v1alpha, so a test can call every method of a binary it was never
// compiled against. A binary linking this must not link grpc++_reflection (two copies of the
// reflection messages).
#ifndef QMS_TESTS_SUPPORT_REFLECTION_CLIENT_H_
#define QMS_TESTS_SUPPORT_REFLECTION_CLIENT_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qms::testing {

class ReflectedServer {
 public:
  // Lists the services at `address` (plaintext) whose names start with `prefix` and loads their
  // files with every file they import.
  static absl::StatusOr<std::unique_ptr<ReflectedServer>> Fetch(const std::string& address,
                                                                absl::string_view prefix);

  const std::vector<const google::protobuf::ServiceDescriptor*>& services() const {
    return services_;
  }

 private:
  ReflectedServer() : pool_(&database_) {}

  google::protobuf::SimpleDescriptorDatabase database_;
  google::protobuf::DescriptorPool pool_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_REFLECTION_CLIENT_H_
