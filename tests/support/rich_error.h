// Reading the standard rich error a service sends with INVALID_ARGUMENT.
#ifndef QMS_TESTS_SUPPORT_RICH_ERROR_H_
#define QMS_TESTS_SUPPORT_RICH_ERROR_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace qms::testing {

// The fields named by the google.rpc.BadRequest detail of `status` (none when it has none or the
// detail does not parse).
inline std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return fields;
  for (const auto& detail : rich.details()) {
    google::rpc::BadRequest bad;
    if (detail.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_RICH_ERROR_H_
