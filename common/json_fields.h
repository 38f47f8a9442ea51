// Reading and writing the JSON records stores keep (a complaint's 8D record, a return's lines
// and receipts ...): times as RFC 3339 in UTC, enums by name. A value that does not read throws
// nlohmann::json's exception, which the record's parser turns into a status.
#ifndef QMS_COMMON_JSON_FIELDS_H_
#define QMS_COMMON_JSON_FIELDS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms::json_fields {

inline std::string Time(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

inline absl::Time ParseTime(const nlohmann::json& j) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, j.get<std::string>(), &t, &error)) {
    throw nlohmann::json::other_error::create(600, "bad time: " + error, nullptr);
  }
  return t;
}

// null when absent.
inline nlohmann::json OptionalTime(const std::optional<absl::Time>& t) {
  return t ? nlohmann::json(Time(*t)) : nlohmann::json();
}

inline std::optional<absl::Time> ParseOptionalTime(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return ParseTime(j);
}

template <typename E>
E Enum(const nlohmann::json& j, std::optional<E> (*parse)(absl::string_view)) {
  auto v = parse(j.get<std::string>());
  if (!v) {
    throw nlohmann::json::other_error::create(601, "bad enum " + j.get<std::string>(), nullptr);
  }
  return *v;
}

}  // namespace qms::json_fields

#endif  // QMS_COMMON_JSON_FIELDS_H_
