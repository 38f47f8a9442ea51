// Authentication and method-level authorization for every RPC of the services registered with an
// access table: reads "authorization: Bearer <JWT>", verifies it, checks the caller's roles
// against the method's entry, and records the outcome for CallerOf (caller.h). Methods of
// services without a table (health, reflection) stay open: Kubernetes probes carry no token.
#ifndef QMS_COMMON_SERVER_AUTH_INTERCEPTOR_H_
#define QMS_COMMON_SERVER_AUTH_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <memory>
#include <string>

#include "common/auth/jwt.h"
#include "common/server/caller.h"

namespace qms::server {

class AuthInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `tables`: service full name -> its access table.
  AuthInterceptorFactory(std::shared_ptr<const auth::Verifier> verifier,
                         std::map<std::string, AccessTable> tables);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // The decision for one call: the caller, UNAUTHENTICATED or PERMISSION_DENIED.
  absl::StatusOr<Caller> Decide(const std::string& service, const std::string& method,
                                absl::string_view authorization) const;

 private:
  std::shared_ptr<const auth::Verifier> verifier_;
  std::map<std::string, AccessTable> tables_;
};

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_AUTH_INTERCEPTOR_H_
