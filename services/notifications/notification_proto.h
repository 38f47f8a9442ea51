// Conversions between the notifications API's messages and the domain, and the checks every
// handler of the three services shares (plants, names, texts). No gRPC service code.
#ifndef QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_PROTO_H_
#define QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_PROTO_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"
#include "common/server/caller.h"
#include "common/status_macros.h"
#include "qms/notifications/v1/notifications.pb.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/timer_store.h"

namespace qms::notifications {

constexpr size_t kMaxSubjectLength = 255;
constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxRequestIdLength = 128;
constexpr size_t kMaxTargetLength = 512;
constexpr size_t kMaxRoles = 20;
constexpr int kMaxBatch = 1000;

// A violation of `field` unless `plant` is a plant code.
void CheckPlant(FieldViolations& v, const std::string& field, const std::string& plant);
// A violation of `field` when `value` is empty (and required) or longer than `max` bytes.
void CheckText(FieldViolations& v, const std::string& field, const std::string& value, size_t max,
               bool required = true);

// INVALID_ARGUMENT naming each bad field under "calendar.".
absl::StatusOr<Calendar> CalendarFromProto(const v1::Calendar& p);
// `version` becomes the etag.
void CalendarToProto(const Calendar& c, int64_t version, v1::Calendar* p);
void TimerToProto(const Timer& t, v1::Timer* p);

// Adds the violations of `r` (field names after `prefix`) to `v`; the input when there are none.
// Whether the policy is configured is the store's to say (FAILED_PRECONDITION).
ArmInput ArmInputFromProto(FieldViolations& v, const v1::ArmTimerRequest& r,
                           const std::string& prefix);

void EventToProto(const Event& e, v1::Event* p);
// The due time of the timer's earliest pending stage (the engine is told of it).
std::optional<absl::Time> EarliestPending(const Timer& t);
// The id of "subscriptions/{id}", or INVALID_ARGUMENT naming `field`.
absl::StatusOr<int64_t> SubscriptionId(const std::string& field, const std::string& name);
// A stored subscription as the API gives it (its secret never leaves the service).
void SubscriptionToProto(const Subscription& s, v1::Subscription* p);

// Checked before anything else in a request: a malformed plant code is INVALID_ARGUMENT, a plant
// the caller has no right to PERMISSION_DENIED, before the rest is even validated.
absl::Status PlantAllowed(const server::Caller& caller, const std::string& field,
                          const std::string& plant);

// An optional plant filter of a list: empty lists what the caller may see, filtered by the
// handler; a named plant must be one the caller may act in.
absl::Status FilterPlantAllowed(const server::Caller& caller, const std::string& plant);

// The plants a list shows `caller`: the one it asks for (and, to a company-wide caller, the
// company-wide subscriptions with it), else every plant its token names, or every plant.
PlantScope ScopeOf(const server::Caller& caller, const std::string& requested);

// The same for fields where "*" (subscriptions) or, with `empty_is_all`, an empty filter (lists,
// streams) means every plant, which only a company-wide caller may use.
absl::Status PlantOrAllAllowed(const server::Caller& caller, const std::string& field,
                               const std::string& plant, bool empty_is_all);

template <typename Request>
void CheckKey(FieldViolations& v, const Request& r, const std::string& prefix = "") {
  CheckPlant(v, prefix + "plant", r.plant());
  CheckText(v, prefix + "subject", r.subject(), kMaxSubjectLength);
  CheckText(v, prefix + "policy", r.policy(), kMaxNameLength);
}

// A well-formed key (INVALID_ARGUMENT otherwise) of a configured policy (FAILED_PRECONDITION
// otherwise: see ConfiguredPolicy).
template <typename Request>
absl::StatusOr<TimerKey> KeyFromProto(const Request& r, const Policies& policies) {
  FieldViolations v;
  CheckKey(v, r);
  if (!v.empty()) return v.ToStatus();
  if (auto policy = ConfiguredPolicy(policies, r.policy()); !policy.ok()) return policy.status();
  return TimerKey{r.plant(), r.subject(), r.policy()};
}

// The prologue of the timer methods that name one timer: the caller, allowed in the request's
// plant (checked first), and the key the request names.
template <typename Request>
absl::StatusOr<TimerKey> AuthorizedKey(const server::Caller& caller, const Request& r,
                                       const Policies& policies) {
  QMS_RETURN_IF_ERROR(PlantAllowed(caller, "plant", r.plant()));
  return KeyFromProto(r, policies);
}

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_PROTO_H_
