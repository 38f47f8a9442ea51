#include "common/server/caller.h"

#include <grpcpp/server_context.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/roles.h"
#include "common/resource_name.h"

namespace qms::server {
namespace {

struct Registry {
  absl::Mutex mu;
  absl::flat_hash_map<const grpc::ServerContextBase*, absl::StatusOr<Caller>> calls
      ABSL_GUARDED_BY(mu);
};

Registry& Calls() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

bool Caller::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Caller::AllPlants() const {
  return std::find(plants.begin(), plants.end(), auth::kAllPlants) != plants.end();
}

bool Caller::MayAccessPlant(absl::string_view plant) const {
  return AllPlants() || std::find(plants.begin(), plants.end(), plant) != plants.end();
}

absl::StatusOr<Caller> CallerOf(const grpc::ServerContext& context) {
  Registry& r = Calls();
  absl::MutexLock lock(&r.mu);
  auto it = r.calls.find(static_cast<const grpc::ServerContextBase*>(&context));
  if (it == r.calls.end()) return absl::UnauthenticatedError("no verified caller");
  return it->second;
}

absl::Status CheckPlant(const Caller& caller, absl::string_view plant) {
  if (caller.MayAccessPlant(plant)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("no access to plant ", plant));
}

absl::StatusOr<std::string> AllowedPlantParent(const Caller& caller, absl::string_view field,
                                               absl::string_view parent) {
  absl::StatusOr<std::string> plant = ParsePlantParent(field, parent);
  if (!plant.ok()) return plant;
  if (absl::Status allowed = CheckPlant(caller, *plant); !allowed.ok()) return allowed;
  return plant;
}

std::string SubjectOf(const grpc::ServerContextBase* context) {
  Registry& r = Calls();
  absl::MutexLock lock(&r.mu);
  auto it = r.calls.find(context);
  return it != r.calls.end() && it->second.ok() ? it->second->subject : "-";
}

void RecordCaller(const grpc::ServerContextBase* context, absl::StatusOr<Caller> caller) {
  Registry& r = Calls();
  absl::MutexLock lock(&r.mu);
  r.calls.insert_or_assign(context, std::move(caller));
}

void ForgetCaller(const grpc::ServerContextBase* context) {
  Registry& r = Calls();
  absl::MutexLock lock(&r.mu);
  r.calls.erase(context);
}

}  // namespace qms::server
