#include "common/server/auth_interceptor.h"

#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace qms::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AuthInterceptor : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(const AuthInterceptorFactory& factory, grpc::experimental::ServerRpcInfo* info,
                  std::string service, std::string method)
      : factory_(factory), info_(info), service_(std::move(service)), method_(std::move(method)) {}
  ~AuthInterceptor() override { ForgetCaller(info_->server_context()); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      absl::string_view authorization;
      auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find("authorization");
      if (it != metadata->end()) authorization = {it->second.data(), it->second.size()};
      RecordCaller(info_->server_context(), factory_.Decide(service_, method_, authorization));
    }
    methods->Proceed();
  }

 private:
  const AuthInterceptorFactory& factory_;
  grpc::experimental::ServerRpcInfo* info_;
  const std::string service_;
  const std::string method_;
};

}  // namespace

AuthInterceptorFactory::AuthInterceptorFactory(std::shared_ptr<const auth::Verifier> verifier,
                                               std::map<std::string, AccessTable> tables)
    : verifier_(std::move(verifier)), tables_(std::move(tables)) {}

grpc::experimental::Interceptor* AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const std::string full = info->method() ? info->method() : "";
  const size_t slash = full.rfind('/');
  if (slash == std::string::npos || slash == 0) return nullptr;
  std::string service = full.substr(1, slash - 1);
  if (tables_.count(service) == 0) return nullptr;
  return new AuthInterceptor(*this, info, std::move(service), full.substr(slash + 1));
}

absl::StatusOr<Caller> AuthInterceptorFactory::Decide(const std::string& service,
                                                      const std::string& method,
                                                      absl::string_view authorization) const {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(authorization, kBearer)) {
    return absl::UnauthenticatedError("a bearer token is required");
  }
  absl::StatusOr<auth::Claims> claims =
      verifier_->Verify(authorization.substr(kBearer.size()), absl::Now());
  if (!claims.ok()) {
    // The reason goes to the log (never the token); the caller learns nothing that helps.
    spdlog::info("auth refused method={} reason=\"{}\"", method,
                 std::string(claims.status().message()));
    return absl::UnauthenticatedError("invalid or expired token");
  }
  Caller caller{claims->subject, claims->roles, claims->plants};
  const AccessTable& table = tables_.at(service);
  auto entry = table.find(method);
  bool allowed = false;
  if (entry != table.end()) {
    for (const std::string& role : entry->second) allowed = allowed || caller.HasRole(role);
  }
  if (!allowed) {
    spdlog::info("auth denied method={} subject={} roles={}", method, caller.subject,
                 absl::StrJoin(caller.roles, ","));
    return absl::PermissionDeniedError(absl::StrCat("your roles may not call ", method));
  }
  return caller;
}

}  // namespace qms::server
