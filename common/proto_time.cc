#include "common/proto_time.h"

namespace qms {

using google::protobuf::Timestamp;

bool IsValidTimestamp(const Timestamp& t) {
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  return t.seconds() >= kMinSeconds && t.seconds() <= kMaxSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}

void CheckTimestamp(FieldViolations& v, const std::string& field, const Timestamp& t) {
  if (!IsValidTimestamp(t)) v.Add(field, "is not a valid time");
}

absl::Time FromProto(const Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void ToProto(absl::Time t, Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

}  // namespace qms
