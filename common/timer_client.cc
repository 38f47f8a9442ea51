#include "common/timer_client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"

namespace qms::outbox {

namespace v1 = qms::notifications::v1;

namespace {

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(content.str()));
}

absl::Status ToAbsl(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// The idempotency key of an outbox row at the notification service.
std::string RequestId(const std::string& service, int64_t outbox_id) {
  return absl::StrCat(service, "/outbox/", outbox_id);
}

bool IsArm(const Message& m) { return m.kind == "arm" || m.kind == "escalate"; }

// Arms per BatchArmTimers call (the service takes up to 1000).
constexpr size_t kMaxArmsPerCall = 500;

}  // namespace

Relay::Send TimerSender(const TimerClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadTrimmed(options.ca_file);
    credentials = grpc::SslCredentials(ssl);
  }
  std::shared_ptr<v1::TimerService::Stub> stub =
      v1::TimerService::NewStub(grpc::CreateChannel(options.target, credentials));
  auto prepare = [options](grpc::ClientContext& context) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
    if (!options.token_file.empty()) {
      context.AddMetadata("authorization", "Bearer " + ReadTrimmed(options.token_file));
    }
  };
  auto arm_request = [options](const StoredMessage& stored) {
    const Message& m = stored.message;
    v1::ArmTimerRequest request;
    request.set_plant(m.plant);
    request.set_subject(m.subject);
    request.set_policy(m.policy);
    request.set_request_id(RequestId(options.service, stored.id));
    if (m.start) ToProto(*m.start, request.mutable_start_time());
    if (m.due) ToProto(*m.due, request.mutable_due_time());
    request.set_customer(m.customer);
    return request;
  };
  // One message on its own: ArmTimer or DisarmTimer.
  auto send_one = [stub, options, prepare, arm_request](const StoredMessage& stored) {
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
      request.set_request_id(RequestId(options.service, stored.id));
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
        if (!IsPermanent(status) && status.code() != absl::StatusCode::kFailedPrecondition) {
          results.push_back(status);
          return results;
        }
      } else {
        end = i + 1;
      }
      for (; i < end; ++i) {
        results.push_back(send_one(messages[i]));
        if (!results.back().ok() && !IsPermanent(results.back())) return results;
      }
    }
    return results;
  };
}

}  // namespace qms::outbox
