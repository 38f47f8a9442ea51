// Enum values between an API (protobuf) and a domain whose enums carry the same names
// (common/enum_names.h): each converts by name through the proto enum's descriptor.
#ifndef QMS_COMMON_PROTO_ENUM_H_
#define QMS_COMMON_PROTO_ENUM_H_

#include <google/protobuf/generated_enum_reflection.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace qms {

// The proto value named as ToString(value) names it (the zero value when none is).
template <class P, class D>
P ToProtoEnum(D value) {
  const auto* v =
      google::protobuf::GetEnumDescriptor<P>()->FindValueByName(std::string(ToString(value)));
  return v == nullptr ? P{} : static_cast<P>(v->number());
}

// The domain value of `value` by name; nullopt for the unspecified value, or any value the
// domain has no name for (a number a newer client sent).
template <class D, class P>
std::optional<D> FromProtoEnum(P value, std::optional<D> (*from_string)(absl::string_view)) {
  const auto* v = google::protobuf::GetEnumDescriptor<P>()->FindValueByNumber(value);
  if (v == nullptr) return std::nullopt;
  return from_string(v->name());
}

}  // namespace qms

#endif  // QMS_COMMON_PROTO_ENUM_H_
