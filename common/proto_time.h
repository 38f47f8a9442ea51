// google.protobuf.Timestamp <-> absl::Time, and the validity check every handler applies.
#ifndef QMS_COMMON_PROTO_TIME_H_
#define QMS_COMMON_PROTO_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/time/time.h"
#include "common/field_violations.h"

namespace qms {

absl::Time FromProto(const google::protobuf::Timestamp& t);
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
// Within 0001..9999 with nanos in [0, 1e9): what google.protobuf.Timestamp allows.
bool IsValidTimestamp(const google::protobuf::Timestamp& t);
// Adds "`field`: is not a valid time" to `v` unless IsValidTimestamp(t).
void CheckTimestamp(FieldViolations& v, const std::string& field,
                    const google::protobuf::Timestamp& t);

}  // namespace qms

#endif  // QMS_COMMON_PROTO_TIME_H_
