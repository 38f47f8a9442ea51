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
  return [stub, options](const StoredMessage& stored) -> absl::Status {
    const Message& m = stored.message;
    const std::string request_id = absl::StrCat(options.service, "/outbox/", stored.id);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
    if (!options.token_file.empty()) {
      context.AddMetadata("authorization", "Bearer " + ReadTrimmed(options.token_file));
    }
    v1::Timer timer;
    grpc::Status status;
    if (m.kind == "arm" || m.kind == "escalate") {
      v1::ArmTimerRequest request;
      request.set_plant(m.plant);
      request.set_subject(m.subject);
      request.set_policy(m.policy);
      request.set_request_id(request_id);
      if (m.start) ToProto(*m.start, request.mutable_start_time());
      if (m.due) ToProto(*m.due, request.mutable_due_time());
      status = stub->ArmTimer(&context, request, &timer);
    } else if (m.kind == "disarm") {
      v1::DisarmTimerRequest request;
      request.set_plant(m.plant);
      request.set_subject(m.subject);
      request.set_policy(m.policy);
      request.set_deadline(m.detail);
      request.set_request_id(request_id);
      status = stub->DisarmTimer(&context, request, &timer);
    } else {
      return absl::InternalError(absl::StrCat("unknown outbox kind ", m.kind));
    }
    if (status.ok()) return absl::OkStatus();
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  };
}

}  // namespace qms::outbox
