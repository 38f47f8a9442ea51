// One call of any method a server serves, by its descriptor: the request as JSON in, each reply
// as JSON out (one for a unary method, as they arrive for a server stream), and the final
// status with its google.rpc details.
#ifndef QMS_TOOLS_CLI_GENERIC_CALL_H_
#define QMS_TOOLS_CLI_GENERIC_CALL_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "tools/cli/reflection.h"

namespace qms::cli {

struct CallOptions {
  std::string token;                           // bearer token; empty: none
  absl::Duration timeout = absl::Seconds(30);  // the call's deadline; infinite for `watch`
};

// Parses `request_json` into the method's input type (INVALID_ARGUMENT naming the JSON error),
// calls, and hands each reply, as JSON on one line, to `on_reply`.
grpc::Status CallMethod(const std::shared_ptr<grpc::Channel>& channel,
                        const ReflectedServer& server,
                        const google::protobuf::MethodDescriptor& method,
                        const std::string& request_json, const CallOptions& options,
                        const std::function<void(const std::string&)>& on_reply);

// A status as people read it: "INVALID_ARGUMENT: message" and, from the details, one line per
// field violation ("  return.lines[0].quantity: must be positive"); other details by type.
std::string DescribeStatus(const grpc::Status& status);

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_GENERIC_CALL_H_
