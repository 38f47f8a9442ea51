#include "tools/cli/generic_call.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace qms::cli {

namespace {

namespace pb = google::protobuf;

// Waits for the one operation in flight on `cq`; false when it did not complete (the call is
// over: a Read past the last reply, or the call failed).
bool Await(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

grpc::Status CallMethod(const std::shared_ptr<grpc::Channel>& channel,
                        const ReflectedServer& server, const pb::MethodDescriptor& method,
                        const std::string& request_json, const CallOptions& options,
                        const std::function<void(const std::string&)>& on_reply) {
  std::unique_ptr<pb::Message> request = server.NewMessage(method.input_type());
  pb::util::JsonParseOptions parse;  // unknown fields are refused: a typo is not a filter
  if (auto parsed = pb::util::JsonStringToMessage(request_json.empty() ? "{}" : request_json,
                                                  request.get(), parse);
      !parsed.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("the request is not a ", method.input_type()->full_name(),
                                     " in JSON: ", parsed.message().as_string()));
  }
  std::string bytes;
  request->SerializeToString(&bytes);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer out(&slice, 1);

  grpc::ClientContext context;
  if (options.timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  }
  if (!options.token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
  }
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, path, &cq);
  // One operation at a time: start, send the request, close the sending side, read every reply.
  call->StartCall(nullptr);
  bool open = Await(cq);
  if (open) {
    call->Write(out, nullptr);
    open = Await(cq);
  }
  if (open) {
    call->WritesDone(nullptr);
    open = Await(cq);
  }
  std::unique_ptr<pb::Message> reply = server.NewMessage(method.output_type());
  while (open) {
    grpc::ByteBuffer in;
    call->Read(&in, nullptr);
    if (!Await(cq)) break;
    std::vector<grpc::Slice> slices;
    std::string reply_bytes;
    if (in.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        reply_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    std::string json;
    if (!reply->ParseFromString(reply_bytes) ||
        !pb::util::MessageToJsonString(*reply, &json).ok()) {
      context.TryCancel();
      return grpc::Status(
          grpc::StatusCode::DATA_LOSS,
          absl::StrCat("a reply that is not a ", method.output_type()->full_name()));
    }
    on_reply(json);
  }
  grpc::Status status;
  call->Finish(&status, nullptr);
  Await(cq);
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

std::string DescribeStatus(const grpc::Status& status) {
  std::string text = absl::StrCat(CodeName(status.error_code()), ": ", status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return text;
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        absl::StrAppend(&text, "\n  ", v.field(), ": ", v.description());
      }
    } else {
      absl::StrAppend(&text, "\n  (detail ", any.type_url(), ")");
    }
  }
  return text;
}

}  // namespace qms::cli
