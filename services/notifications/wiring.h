// What the notification service is: its name and schema, and what it serves and runs from its
// flags (options.h). main.cc runs it with RunService; the in-process tests
// (tests/support/in_process_service.h) run the same wiring against a test database.
#ifndef QMS_SERVICES_NOTIFICATIONS_WIRING_H_
#define QMS_SERVICES_NOTIFICATIONS_WIRING_H_

#include "common/server/service_main.h"

namespace qms::notifications {

const ServiceSpec& Service();

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_WIRING_H_
