// The gRPC face of the notification service: calendars, timers and deliveries. Validates
// requests, converts between protobuf and the domain, delegates to the store, maps statuses.
#ifndef QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_
#define QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_

#include <vector>

#include "common/server/caller.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/engine.h"
#include "services/notifications/event_bus.h"
#include "services/notifications/metrics.h"
#include "services/notifications/timer_store.h"

namespace qms::notifications {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable CalendarAccess();
server::AccessTable TimerAccess();
server::AccessTable DeliveryAccess();

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

class TimerServiceImpl final : public v1::TimerService::Service {
 public:
  TimerServiceImpl(TimerStore& store, TimerEngine& engine, NotificationMetrics& metrics)
      : store_(store), engine_(engine), metrics_(metrics) {}
  grpc::Status ArmTimer(grpc::ServerContext*, const v1::ArmTimerRequest* request,
                        v1::Timer* response) override;
  grpc::Status BatchArmTimers(grpc::ServerContext*, const v1::BatchArmTimersRequest* request,
                              v1::BatchArmTimersResponse* response) override;
  grpc::Status DisarmTimer(grpc::ServerContext*, const v1::DisarmTimerRequest* request,
                           v1::Timer* response) override;
  grpc::Status PauseTimer(grpc::ServerContext*, const v1::PauseTimerRequest* request,
                          v1::Timer* response) override;
  grpc::Status ResumeTimer(grpc::ServerContext*, const v1::ResumeTimerRequest* request,
                           v1::Timer* response) override;
  grpc::Status GetTimer(grpc::ServerContext*, const v1::GetTimerRequest* request,
                        v1::Timer* response) override;
  grpc::Status ListTimers(grpc::ServerContext*, const v1::ListTimersRequest* request,
                          v1::ListTimersResponse* response) override;
  grpc::Status ListPolicies(grpc::ServerContext*, const v1::ListPoliciesRequest* request,
                            v1::ListPoliciesResponse* response) override;

 private:
  TimerStore& store_;
  TimerEngine& engine_;
  NotificationMetrics& metrics_;
};

class DeliveryServiceImpl final : public v1::DeliveryService::Service {
 public:
  DeliveryServiceImpl(TimerStore& store, EventBus& bus) : store_(store), bus_(bus) {}
  grpc::Status CreateSubscription(grpc::ServerContext*, const v1::CreateSubscriptionRequest*,
                                  v1::Subscription* response) override;
  grpc::Status ListSubscriptions(grpc::ServerContext*, const v1::ListSubscriptionsRequest*,
                                 v1::ListSubscriptionsResponse* response) override;
  grpc::Status DeleteSubscription(grpc::ServerContext*, const v1::DeleteSubscriptionRequest*,
                                  v1::DeleteSubscriptionResponse* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext*, const v1::ListDeliveriesRequest*,
                              v1::ListDeliveriesResponse* response) override;
  grpc::Status WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::Event>* writer) override;

 private:
  TimerStore& store_;
  EventBus& bus_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_
