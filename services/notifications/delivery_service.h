// The notifications API's DeliveryService: validates requests, converts between protobuf and the
// domain, delegates to the store, maps statuses.
#ifndef QMS_SERVICES_NOTIFICATIONS_DELIVERY_SERVICE_H_
#define QMS_SERVICES_NOTIFICATIONS_DELIVERY_SERVICE_H_

#include "common/server/caller.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/event_feed.h"

namespace qms::notifications {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable DeliveryAccess();

class DeliveryServiceImpl final : public v1::DeliveryService::Service {
 public:
  DeliveryServiceImpl(DeliveryStore& store, EventFeed& feed) : store_(store), feed_(feed) {}
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
  DeliveryStore& store_;
  EventFeed& feed_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_DELIVERY_SERVICE_H_
