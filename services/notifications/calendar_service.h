// The notifications API's CalendarService: validates requests, converts between protobuf and the
// domain, delegates to the store, maps statuses.
#ifndef QMS_SERVICES_NOTIFICATIONS_CALENDAR_SERVICE_H_
#define QMS_SERVICES_NOTIFICATIONS_CALENDAR_SERVICE_H_

#include "common/server/caller.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/timer_store.h"

namespace qms::notifications {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable CalendarAccess();

class CalendarServiceImpl final : public v1::CalendarService::Service {
 public:
  explicit CalendarServiceImpl(TimerStore& store) : store_(store) {}
  grpc::Status SetCalendar(grpc::ServerContext*, const v1::SetCalendarRequest* request,
                           v1::Calendar* response) override;
  grpc::Status GetCalendar(grpc::ServerContext*, const v1::GetCalendarRequest* request,
                           v1::Calendar* response) override;
  grpc::Status ComputeDeadline(grpc::ServerContext*, const v1::ComputeDeadlineRequest* request,
                               v1::ComputeDeadlineResponse* response) override;

 private:
  TimerStore& store_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_CALENDAR_SERVICE_H_
