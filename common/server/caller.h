// Who is calling an RPC.
//
// TODO(security issue): today this is an UNAUTHENTICATED development identity read from the
// request metadata "x-qms-subject" and "x-qms-roles" (comma-separated); without them the caller is
// "anonymous" with no roles. The security issue replaces this with the verified claims of a bearer
// token; handlers already take every identity decision from here, so they will not change.
#ifndef QMS_COMMON_SERVER_CALLER_H_
#define QMS_COMMON_SERVER_CALLER_H_

#include <string>
#include <vector>

namespace grpc {
class ServerContext;
}

namespace qms::server {

struct Caller {
  std::string subject;
  std::vector<std::string> roles;
};

Caller CallerOf(const grpc::ServerContext& context);

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_CALLER_H_
