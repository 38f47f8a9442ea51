// The notification service's own flags, read into the options of its parts.
#ifndef QMS_SERVICES_NOTIFICATIONS_OPTIONS_H_
#define QMS_SERVICES_NOTIFICATIONS_OPTIONS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notifications/delivery.h"
#include "services/notifications/engine.h"
#include "services/notifications/event_feed.h"
#include "services/notifications/policy.h"

namespace qms::notifications {

struct Options {
  Policies policies;  // every file of --policies_files, merged in order
  EngineOptions engine;
  DeliveryOptions delivery;
  EventFeedOptions events;
  absl::Duration open_timers_refresh;
  std::set<std::string> metric_customers;  // named in the breach counter's customer label
};

// INVALID_ARGUMENT / NOT_FOUND naming the policies file at fault.
absl::StatusOr<Options> OptionsFromFlags();

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_OPTIONS_H_
