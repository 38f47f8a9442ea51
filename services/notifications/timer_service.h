// The notifications API's TimerService: validates requests, converts between protobuf and the
// domain, delegates to the store, maps statuses.
#ifndef QMS_SERVICES_NOTIFICATIONS_TIMER_SERVICE_H_
#define QMS_SERVICES_NOTIFICATIONS_TIMER_SERVICE_H_

#include "common/server/caller.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/engine.h"
#include "services/notifications/metrics.h"
#include "services/notifications/timer_store.h"

namespace qms::notifications {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable TimerAccess();

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

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_TIMER_SERVICE_H_
