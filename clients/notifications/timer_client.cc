#include "clients/notifications/timer_client.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"

namespace qms::clients {

namespace v1 = qms::notifications::v1;
using outbox::Message;
using outbox::StoredMessage;

namespace {

// The idempotency key of an outbox row at the notification service.
std::string RequestId(const std::string& service, int64_t outbox_id) {
  return absl::StrCat(service, "/outbox/", outbox_id);
}

bool IsArm(const Message& m) { return m.kind == "arm" || m.kind == "escalate"; }

// Arms per BatchArmTimers call (the service takes up to 1000).
constexpr size_t kMaxArmsPerCall = 500;

}  // namespace

outbox::Relay::Send TimerSender(const PeerOptions& notifications, const std::string& service) {
  auto peer = std::make_shared<const Peer>(notifications);
  std::shared_ptr<v1::TimerService::Stub> stub = v1::TimerService::NewStub(peer->channel());
  auto prepare = [peer](grpc::ClientContext& context) { peer->Prepare(context); };
  auto arm_request = [service](const StoredMessage& stored) {
    const Message& m = stored.message;
    v1::ArmTimerRequest request;
    request.set_plant(m.plant);
    request.set_subject(m.subject);
    request.set_policy(m.policy);
    request.set_request_id(RequestId(service, stored.id));
    if (m.start) ToProto(*m.start, request.mutable_start_time());
    if (m.due) ToProto(*m.due, request.mutable_due_time());
    request.set_customer(m.customer);
    return request;
  };
  // One message on its own: ArmTimer or DisarmTimer.
  auto send_one = [stub, service, prepare, arm_request](const StoredMessage& stored) {
    const Message& m = stored.message;
    grpc::ClientContext context;
    prepare(context);
    v1::Timer timer;
    grpc::Status status;
    if (IsArm(m)) {
      status = stub->ArmTimer(&context, arm_request(stored), &timer);
    } else if (m.kind == "disarm") {
      v1::DisarmTimerRequest request;
      request.set_plant(m.plant);
      request.set_subject(m.subject);
      request.set_policy(m.policy);
      request.set_deadline(m.detail);
      request.set_request_id(RequestId(service, stored.id));
      status = stub->DisarmTimer(&context, request, &timer);
    } else {
      return absl::InternalError(absl::StrCat("unknown outbox kind ", m.kind));
    }
    return ToAbsl(status);
  };
  // Consecutive arms go in one BatchArmTimers call (all or nothing, idempotent by request id);
  // when the service refuses a batch for what it holds, its arms are sent one by one so that
  // only the bad one is set aside.
  return [stub, prepare, arm_request, send_one](const std::vector<StoredMessage>& messages) {
    std::vector<absl::Status> results;
    size_t i = 0;
    while (i < messages.size()) {
      size_t end = i;
      while (end < messages.size() && end - i < kMaxArmsPerCall && IsArm(messages[end].message)) {
        ++end;
      }
      if (end - i >= 2) {
        v1::BatchArmTimersRequest request;
        for (size_t j = i; j < end; ++j) *request.add_requests() = arm_request(messages[j]);
        grpc::ClientContext context;
        prepare(context);
        v1::BatchArmTimersResponse response;
        const absl::Status status = ToAbsl(stub->BatchArmTimers(&context, request, &response));
        if (status.ok()) {
          results.insert(results.end(), end - i, absl::OkStatus());
          i = end;
          continue;
        }
        // Refused for what it holds (for good, or a policy not configured yet): one by one
        // below, so that only the arm at fault is kept back.
        if (!outbox::IsPermanent(status) &&
            status.code() != absl::StatusCode::kFailedPrecondition) {
          results.push_back(status);
          return results;
        }
      } else {
        end = i + 1;
      }
      for (; i < end; ++i) {
        results.push_back(send_one(messages[i]));
        if (!results.back().ok() && !outbox::IsPermanent(results.back())) return results;
      }
    }
    return results;
  };
}

}  // namespace qms::clients
