// Collects what is wrong with a request, field by field, and turns it into one INVALID_ARGUMENT.
//
// Domain code reports violations without knowing about protobuf; the RPC layer
// (common/server/grpc_status.h) turns the payload into google.rpc.BadRequest details.
#ifndef QMS_COMMON_FIELD_VIOLATIONS_H_
#define QMS_COMMON_FIELD_VIOLATIONS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace qms {

inline constexpr size_t kMaxReportedViolations = 20;
inline constexpr size_t kMaxReportedFieldBytes = 64;
inline constexpr size_t kMaxReportedDescriptionBytes = 100;
inline constexpr size_t kMaxMessageBytes = 512;

struct FieldViolation {
  std::string field;        // path in the request, e.g. "complaint.customer"
  std::string description;  // what is wrong, for a person to read
};

class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  size_t size() const { return violations_.size(); }

  // OK when nothing was added; otherwise INVALID_ARGUMENT whose message names the fields and
  // which carries the violations as a payload (see ViolationsOf). Bounded so that the error
  // fits gRPC's default 8 KiB trailer limit however bad the request: the first
  // kMaxReportedViolations violations are carried, each field and description cut to its bound,
  // and the message lists as many as fit in kMaxMessageBytes, then "... and N more".
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

// Shorthand for a single violation.
absl::Status InvalidField(std::string field, std::string description);

// The violations attached to `status` by FieldViolations::ToStatus, or none.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

}  // namespace qms

#endif  // QMS_COMMON_FIELD_VIOLATIONS_H_
