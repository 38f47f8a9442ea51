#include "services/notifications/delivery_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/page_token.h"
#include "common/proto_time.h"
#include "common/server/handler.h"
#include "services/notifications/notification_proto.h"

namespace qms::notifications {

server::AccessTable DeliveryAccess() {
  using namespace auth;  // NOLINT
  const std::vector<std::string> managers = {kQuality, kGeneralManager, kAdmin};
  return {
      {"CreateSubscription", managers},
      {"ListSubscriptions", {kQuality, kGeneralManager, kAuditor, kAdmin}},
      {"DeleteSubscription", managers},
      {"ListDeliveries", {kQuality, kGeneralManager, kAuditor, kAdmin}},
      {"WatchEvents", server::Readers()},
  };
}

grpc::Status DeliveryServiceImpl::CreateSubscription(grpc::ServerContext* context,
                                                     const v1::CreateSubscriptionRequest* request,
                                                     v1::Subscription* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    if (absl::Status s =
            PlantOrAllAllowed(caller, "subscription.plant", request->subscription().plant(), false);
        !s.ok()) {
      return s;
    }
    const v1::Subscription& in = request->subscription();
    FieldViolations v;
    Subscription s;
    s.plant = in.plant();
    if (s.plant != "*") CheckPlant(v, "subscription.plant", s.plant);
    if (in.roles_size() > static_cast<int>(kMaxRoles)) v.Add("subscription.roles", "too many");
    for (const std::string& r : in.roles()) {
      CheckText(v, "subscription.roles", r, kMaxNameLength);
      if (r.find(',') != std::string::npos) v.Add("subscription.roles", "must not contain ','");
      s.roles.push_back(r);
    }
    switch (in.target_case()) {
      case v1::Subscription::kWebhookUrl:
        s.channel = Channel::kWebhook;
        s.target = in.webhook_url();
        CheckText(v, "subscription.webhook_url", s.target, kMaxTargetLength);
        if (!absl::StartsWith(s.target, "http://") && !absl::StartsWith(s.target, "https://")) {
          v.Add("subscription.webhook_url", "must be an http:// or https:// URL");
        }
        CheckText(v, "subscription.webhook_secret", in.webhook_secret(), 255);
        s.secret = in.webhook_secret();
        break;
      case v1::Subscription::kEmail:
        s.channel = Channel::kEmail;
        s.target = in.email();
        CheckText(v, "subscription.email", s.target, 254);
        if (s.target.find('@') == std::string::npos ||
            s.target.find_first_of("<>\r\n ,") != std::string::npos) {
          v.Add("subscription.email", "is not an e-mail address");
        }
        break;
      default:
        v.Add("subscription.target", "give webhook_url or email");
    }
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(auto created, store_.CreateSubscription(s));
    SubscriptionToProto(created, response);
    return absl::OkStatus();
  });
}

grpc::Status DeliveryServiceImpl::ListSubscriptions(grpc::ServerContext* context,
                                                    const v1::ListSubscriptionsRequest* request,
                                                    v1::ListSubscriptionsResponse* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    // No plant: every subscription the caller may see.
    QMS_RETURN_IF_ERROR(FilterPlantAllowed(caller, request->plant()));
    FieldViolations v;
    const int page_size = server::PageSize(v, request->page_size());
    QMS_RETURN_IF_ERROR(v.ToStatus());
    const PlantScope scope = ScopeOf(caller, request->plant());
    const std::string query = absl::StrCat("subscriptions;", request->plant());
    QMS_ASSIGN_OR_RETURN(const int64_t after, DecodePageToken(request->page_token(), query));
    QMS_ASSIGN_OR_RETURN(auto subs, store_.ListSubscriptions(scope, {page_size, after}));
    if (static_cast<int>(subs.size()) > page_size) {
      subs.resize(page_size);
      response->set_next_page_token(EncodePageToken(subs.back().id, query));
    }
    for (const Subscription& sub : subs) SubscriptionToProto(sub, response->add_subscriptions());
    return absl::OkStatus();
  });
}

grpc::Status DeliveryServiceImpl::DeleteSubscription(grpc::ServerContext* context,
                                                     const v1::DeleteSubscriptionRequest* request,
                                                     v1::DeleteSubscriptionResponse*) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(auto id, SubscriptionId("name", request->name()));
    QMS_ASSIGN_OR_RETURN(auto existing, store_.GetSubscription(id));
    QMS_RETURN_IF_ERROR(PlantOrAllAllowed(caller, "name", existing.plant, false));
    return store_.DeleteSubscription(id);
  });
}

grpc::Status DeliveryServiceImpl::ListDeliveries(grpc::ServerContext* context,
                                                 const v1::ListDeliveriesRequest* request,
                                                 v1::ListDeliveriesResponse* response) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    // No plant: the deliveries of every plant the caller may see.
    QMS_RETURN_IF_ERROR(FilterPlantAllowed(caller, request->plant()));
    FieldViolations v;
    if (!v1::DeliveryState_IsValid(request->state())) v.Add("state", "is not a delivery state");
    const int page_size = server::PageSize(v, request->page_size());
    QMS_RETURN_IF_ERROR(v.ToStatus());
    std::optional<DeliveryState> state;
    if (request->state() != v1::DELIVERY_STATE_UNSPECIFIED) {
      state = static_cast<DeliveryState>(static_cast<int>(request->state()));
    }
    const std::string query = absl::StrCat("deliveries;", request->plant(), ";", request->state());
    QMS_ASSIGN_OR_RETURN(const int64_t after, DecodePageToken(request->page_token(), query));
    QMS_ASSIGN_OR_RETURN(auto list, store_.ListDeliveries(ScopeOf(caller, request->plant()), state,
                                                          {page_size, after}));
    if (static_cast<int>(list.size()) > page_size) {
      list.resize(page_size);
      response->set_next_page_token(EncodePageToken(list.back().id, query));
    }
    for (const Delivery& d : list) {
      v1::Delivery* p = response->add_deliveries();
      p->set_id(d.id);
      p->set_event_id(d.event.id);
      p->set_subscription(absl::StrCat("subscriptions/", d.subscription_id));
      p->set_state(static_cast<v1::DeliveryState>(static_cast<int>(d.state)));
      p->set_attempts(d.attempts);
      p->set_last_error(d.last_error);
      ToProto(d.next_attempt_time, p->mutable_next_attempt_time());
      if (d.deliver_time) ToProto(*d.deliver_time, p->mutable_deliver_time());
      p->set_plant(d.event.plant);
    }
    return absl::OkStatus();
  });
}

namespace {

constexpr int kCatchUpBatch = 1000;
constexpr size_t kReadBatch = 500;

}  // namespace

grpc::Status DeliveryServiceImpl::WatchEvents(grpc::ServerContext* context,
                                              const v1::WatchEventsRequest* request,
                                              grpc::ServerWriter<v1::Event>* writer) {
  return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
    QMS_RETURN_IF_ERROR(PlantOrAllAllowed(caller, "plant", request->plant(), true));
    FieldViolations v;
    if (request->after_event_id() < 0) v.Add("after_event_id", "must not be negative");
    QMS_RETURN_IF_ERROR(v.ToStatus());
    const int64_t after = request->after_event_id();
    const std::string& plant = request->plant();
    QMS_ASSIGN_OR_RETURN(const EventFeed::Cursor start, feed_.Here());
    const auto send = [&](const Event& e) {
      v1::Event out;
      EventToProto(e, &out);
      return writer->Write(out);
    };
    // A stream that names an event catches up from the database to where the feed stood, and
    // remembers what it sent above the feed's floor: a late commit the feed appends after
    // `start` may be among it.
    std::set<int64_t> caught_up;
    if (after > 0) {
      int64_t cursor = after;
      bool more = true;
      while (more && cursor < start.top && !context->IsCancelled()) {
        QMS_ASSIGN_OR_RETURN(auto events, store_.EventsAfter(cursor, plant, kCatchUpBatch));
        more = static_cast<int>(events.size()) == kCatchUpBatch;
        for (const Event& e : events) {
          if (e.id > start.top) {
            more = false;
            break;
          }
          cursor = e.id;
          if (e.id > start.floor) caught_up.insert(e.id);
          if (!send(e)) return absl::OkStatus();  // the client went away
        }
      }
    }
    uint64_t position = start.position;
    int64_t last_sent = std::max(after, start.top);
    while (!context->IsCancelled()) {
      absl::StatusOr<std::vector<Event>> events =
          feed_.Read(&position, kReadBatch, absl::Milliseconds(250));
      if (absl::IsCancelled(events.status())) break;  // shutting down
      if (absl::IsOutOfRange(events.status())) {
        return absl::AbortedError(
            absl::StrCat("the stream fell behind the events this replica keeps; watch again with "
                         "after_event_id=",
                         last_sent));
      }
      QMS_RETURN_IF_ERROR(events.status());
      for (const Event& e : *events) {
        if (e.id <= after || (e.id <= start.top && caught_up.count(e.id) > 0)) continue;
        if (!plant.empty() && e.plant != plant) continue;
        if (!send(e)) return absl::OkStatus();
        last_sent = e.id;
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace qms::notifications
