#include "services/notifications/calendar_service.h"

#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/page_token.h"
#include "common/proto_time.h"
#include "common/server/handler.h"
#include "services/notifications/notification_proto.h"

namespace qms::notifications {

server::AccessTable CalendarAccess() {
  using namespace auth;  // NOLINT
  return {
      {"SetCalendar", {kQuality, kGeneralManager, kAdmin}},
      {"GetCalendar", server::Readers()},
      {"ComputeDeadline", server::Readers()},
  };
}

grpc::Status CalendarServiceImpl::SetCalendar(grpc::ServerContext* context,
                                              const v1::SetCalendarRequest* request,
                                              v1::Calendar* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantAllowed(caller, "calendar.plant", request->calendar().plant()));
    QMS_ASSIGN_OR_RETURN(auto calendar, CalendarFromProto(request->calendar()));

    QMS_RETURN_IF_ERROR(server::CheckEtag(request->etag()));
    QMS_ASSIGN_OR_RETURN(auto stored, store_.SetCalendar(calendar, request->etag()));
    CalendarToProto(stored.first, stored.second, response);
    return absl::OkStatus();
  });
}

grpc::Status CalendarServiceImpl::GetCalendar(grpc::ServerContext* context,
                                              const v1::GetCalendarRequest* request,
                                              v1::Calendar* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantAllowed(caller, "plant", request->plant()));
    QMS_ASSIGN_OR_RETURN(auto calendar, store_.GetCalendar(request->plant()));
    CalendarToProto(calendar.first, calendar.second, response);
    return absl::OkStatus();
  });
}

grpc::Status CalendarServiceImpl::ComputeDeadline(grpc::ServerContext* context,
                                                  const v1::ComputeDeadlineRequest* request,
                                                  v1::ComputeDeadlineResponse* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantAllowed(caller, "plant", request->plant()));
    FieldViolations v;
    if (!request->has_start_time()) v.Add("start_time", "is required");
    CheckTimestamp(v, "start_time", request->start_time());
    Span span;
    const v1::Duration& d = request->duration();
    if (!(d.amount() >= 0 && d.amount() <= 1e5)) v.Add("duration.amount", "must be in [0, 100000]");
    switch (d.unit()) {
      case v1::CALENDAR_HOURS:
      case v1::WORKING_HOURS:
        span.unit = d.unit() == v1::CALENDAR_HOURS ? Unit::kCalendarHours : Unit::kWorkingHours;
        span.time = absl::Seconds(d.amount() * 3600);
        break;
      case v1::WORKING_DAYS:
        span.unit = Unit::kWorkingDays;
        span.days = static_cast<int>(d.amount());
        if (span.days != d.amount()) v.Add("duration.amount", "must be whole working days");
        break;
      default:
        v.Add("duration.unit", "is required");
    }
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(auto calendar, store_.GetCalendar(request->plant()));
    QMS_ASSIGN_OR_RETURN(auto deadline,
                         Deadline(calendar.first, FromProto(request->start_time()), span));
    ToProto(deadline, response->mutable_deadline());
    return absl::OkStatus();
  });
}

}  // namespace qms::notifications
