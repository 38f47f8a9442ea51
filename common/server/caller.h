// Who is calling an RPC, as the server's auth interceptor established it: a verified bearer
// token (common/auth/jwt.h) whose roles the service's access table allows for the method.
// Handlers take every identity decision from here: CallerOf first, CheckPlant for each plant the
// request touches.
#ifndef QMS_COMMON_SERVER_CALLER_H_
#define QMS_COMMON_SERVER_CALLER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class ServerContext;
class ServerContextBase;
}  // namespace grpc

namespace qms::server {

struct Caller {
  std::string subject;
  std::vector<std::string> roles;
  std::vector<std::string> plants;  // "*" = every plant

  bool HasRole(absl::string_view role) const;
  bool MayAccessPlant(absl::string_view plant) const;
  bool AllPlants() const;
};

// Method name (e.g. "CreateComplaint") -> the roles that may call it. Every method of a service
// needs an entry; the server refuses to start otherwise.
using AccessTable = std::map<std::string, std::vector<std::string>, std::less<>>;

// UNAUTHENTICATED (no, invalid or expired token) or PERMISSION_DENIED (a role the method does not
// allow), as decided before the handler ran; otherwise the caller.
absl::StatusOr<Caller> CallerOf(const grpc::ServerContext& context);

// PERMISSION_DENIED unless the caller may act in `plant`. A plant in a request is checked before
// anything is read, so a refusal says nothing about what exists there.
absl::Status CheckPlant(const Caller& caller, absl::string_view plant);

// Parses a "plants/{plant}" parent named by `field` (INVALID_ARGUMENT) and checks that the
// caller may act in that plant (PERMISSION_DENIED): the first step of every plant-scoped
// Create/List/summary handler.
absl::StatusOr<std::string> AllowedPlantParent(const Caller& caller, absl::string_view field,
                                               absl::string_view parent);

// The verified subject of a call in progress, or "-" (for log lines).
std::string SubjectOf(const grpc::ServerContextBase* context);

// For the interceptor: records and forgets the decision for one call.
void RecordCaller(const grpc::ServerContextBase* context, absl::StatusOr<Caller> caller);
void ForgetCaller(const grpc::ServerContextBase* context);

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_CALLER_H_
