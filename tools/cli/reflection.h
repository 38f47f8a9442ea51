// What a running server serves, as grpcurl learns it: the service names and their descriptors
// through grpc.reflection.v1alpha, so a client (the `qms` command line, the security tests) can
// call every method of a binary it was never compiled against. A binary linking this must not
// link grpc++_reflection (two copies of the reflection messages).
#ifndef QMS_TOOLS_CLI_REFLECTION_H_
#define QMS_TOOLS_CLI_REFLECTION_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qms::cli {

class ReflectedServer {
 public:
  // Lists the services on `channel` whose names start with `prefix` and loads their files with
  // every file they import. `token`, when not empty, is sent as the bearer token.
  static absl::StatusOr<std::unique_ptr<ReflectedServer>> Fetch(
      const std::shared_ptr<grpc::Channel>& channel, absl::string_view prefix,
      const std::string& token = "");
  // The same over a plaintext channel to `address`.
  static absl::StatusOr<std::unique_ptr<ReflectedServer>> Fetch(const std::string& address,
                                                                absl::string_view prefix);

  const std::vector<const google::protobuf::ServiceDescriptor*>& services() const {
    return services_;
  }
  // A method by "pkg.Service/Method", "pkg.Service.Method" or, when unambiguous among the
  // services, "Service/Method" or just "Method". NOT_FOUND names what was asked.
  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      absl::string_view name) const;
  const google::protobuf::DescriptorPool& pool() const { return pool_; }
  // A fresh, empty message of `type` (owned by the caller, made by this server's factory).
  std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type) const;

 private:
  ReflectedServer() : pool_(&database_), factory_(&pool_) {}

  google::protobuf::SimpleDescriptorDatabase database_;
  google::protobuf::DescriptorPool pool_;
  mutable google::protobuf::DynamicMessageFactory factory_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
};

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_REFLECTION_H_
