#include "common/server/grpc_status.h"

#include "common/field_violations.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace qms::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  auto violations = ViolationsOf(status);
  if (violations.empty()) return grpc::Status(code, message);

  google::rpc::BadRequest bad_request;
  for (const auto& v : violations) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
  }
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  rich.add_details()->PackFrom(bad_request);
  return grpc::Status(code, message, rich.SerializeAsString());
}

}  // namespace qms::server
