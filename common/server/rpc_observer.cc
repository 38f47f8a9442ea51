#include "common/server/rpc_observer.h"

#include <chrono>
#include <string>

#include "common/server/caller.h"
#include "spdlog/spdlog.h"

namespace qms::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "Canceled";
    case grpc::UNKNOWN:
      return "Unknown";
    case grpc::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::NOT_FOUND:
      return "NotFound";
    case grpc::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::ABORTED:
      return "Aborted";
    case grpc::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::INTERNAL:
      return "Internal";
    case grpc::UNAVAILABLE:
      return "Unavailable";
    case grpc::DATA_LOSS:
      return "DataLoss";
    case grpc::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

const char* TypeName(grpc::experimental::ServerRpcInfo::Type type) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  switch (type) {
    case Type::UNARY:
      return "unary";
    case Type::CLIENT_STREAMING:
      return "client_stream";
    case Type::SERVER_STREAMING:
      return "server_stream";
    case Type::BIDI_STREAMING:
      return "bidi_stream";
    default:
      return "unknown";
  }
}

class RpcObserver : public grpc::experimental::Interceptor {
 public:
  RpcObserver(RpcObserverFactory& factory, grpc::experimental::ServerRpcInfo* info)
      : factory_(factory), info_(info) {
    // "/qms.complaints.v1.ComplaintService/CreateComplaint"
    std::string full = info->method() ? info->method() : "";
    auto slash = full.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      service_ = full.substr(1, slash - 1);
      method_ = full.substr(slash + 1);
    } else {
      service_ = "unknown";
      method_ = full;
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      factory_.started()
          .Add({{"grpc_type", TypeName(info_->type())},
                {"grpc_service", service_},
                {"grpc_method", method_}})
          .Increment();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      const char* type = TypeName(info_->type());
      const char* code = CodeName(status.error_code());
      factory_.handled()
          .Add({{"grpc_type", type},
                {"grpc_service", service_},
                {"grpc_method", method_},
                {"grpc_code", code}})
          .Increment();
      factory_.handling_seconds()
          .Add({{"grpc_type", type}, {"grpc_service", service_}, {"grpc_method", method_}},
               prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
          .Observe(seconds);
      // Probes call Health every few seconds; their lines would drown the ones that matter.
      const auto level =
          service_ == "grpc.health.v1.Health" ? spdlog::level::debug : spdlog::level::info;
      // The subject makes the log an audit trail of who called what (never the token).
      const std::string subject = SubjectOf(info_->server_context());
      if (status.ok()) {
        spdlog::log(level, "rpc method={} subject={} code={} ms={:.3f}", method_, subject, code,
                    seconds * 1e3);
      } else {
        spdlog::log(level, "rpc method={} subject={} code={} ms={:.3f} error=\"{}\"", method_,
                    subject, code, seconds * 1e3, status.error_message());
      }
    }
    methods->Proceed();
  }

 private:
  RpcObserverFactory& factory_;
  grpc::experimental::ServerRpcInfo* info_;
  std::string service_;
  std::string method_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

RpcObserverFactory::RpcObserverFactory(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by status code.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Time from receiving an RPC to sending its status.")
                            .Register(registry)) {}

grpc::experimental::Interceptor* RpcObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcObserver(*this, info);
}

}  // namespace qms::server
